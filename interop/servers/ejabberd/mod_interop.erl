%% Discovery additions for the interop suite that ejabberd 23.01 cannot express in
%% its configuration:
%%
%%  * serverinfo_feature: true adds the XEP-0485 feature urn:xmpp:serverinfo:0 (the
%%    opt-in) to the host's disco#info, as mod_pubsub_serverinfo of later ejabberd
%%    releases does;
%%  * status_addresses: a list of URLs adds the XEP-0455 form (FORM_TYPE
%%    urn:xmpp:sos:0, field external-status-addresses, list-multi).
%%
%% Contact addresses and the serverinfo-pubsub-node field come from mod_disco's
%% server_info option, not from here.
-module(mod_interop).
-behaviour(gen_mod).

-export([start/2, stop/1, reload/3, depends/2, mod_opt_type/1, mod_options/1, mod_doc/0]).
-export([disco_features/5, disco_info/5]).

-include("xmpp.hrl").

-define(SERVERINFO, <<"urn:xmpp:serverinfo:0">>).
-define(SOS, <<"urn:xmpp:sos:0">>).

%% mod_disco's own disco_info handler (sequence 100) drops what earlier handlers
%% returned, so ours runs after it (150) and adds to its form.

start(Host, _Opts) ->
    ejabberd_hooks:add(disco_local_features, Host, ?MODULE, disco_features, 50),
    ejabberd_hooks:add(disco_info, Host, ?MODULE, disco_info, 150),
    ok.

stop(Host) ->
    ejabberd_hooks:delete(disco_local_features, Host, ?MODULE, disco_features, 50),
    ejabberd_hooks:delete(disco_info, Host, ?MODULE, disco_info, 150),
    ok.

reload(_Host, _NewOpts, _OldOpts) -> ok.

depends(_Host, _Opts) -> [{mod_disco, hard}].

mod_opt_type(serverinfo_feature) -> econf:bool();
mod_opt_type(status_addresses) -> econf:list(econf:binary()).

mod_options(_Host) -> [{serverinfo_feature, false}, {status_addresses, []}].

mod_doc() -> #{desc => [<<"Discovery additions for the xep-* interop suite.">>]}.

%% Root node only; errors from other modules pass through.
disco_features({error, _} = Acc, _From, _To, _Node, _Lang) ->
    Acc;
disco_features(Acc, _From, #jid{lserver = Host}, <<"">>, _Lang) ->
    case gen_mod:get_module_opt(Host, ?MODULE, serverinfo_feature) of
        true ->
            Features = case Acc of
                           {result, Fs} -> Fs;
                           _ -> []
                       end,
            {result, [?SERVERINFO | Features]};
        false ->
            Acc
    end;
disco_features(Acc, _From, _To, _Node, _Lang) ->
    Acc.

disco_info(Acc, Host, _Module, <<"">>, _Lang) ->
    case gen_mod:get_module_opt(Host, ?MODULE, status_addresses) of
        [] ->
            Acc;
        Addresses ->
            Form = #xdata{type = result,
                          fields = [#xdata_field{var = <<"FORM_TYPE">>, type = hidden,
                                                 values = [?SOS]},
                                    #xdata_field{var = <<"external-status-addresses">>,
                                                 type = 'list-multi', values = Addresses}]},
            [Form | Acc]
    end;
disco_info(Acc, _Host, _Module, _Node, _Lang) ->
    Acc.
