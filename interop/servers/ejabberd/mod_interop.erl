%% Discovery additions for the interop suite that ejabberd 23.01 cannot express in
%% its configuration:
%%
%%  * serverinfo_feature: true adds the XEP-0485 feature urn:xmpp:serverinfo:0 (the
%%    opt-in) to the host's disco#info, as mod_pubsub_serverinfo of later ejabberd
%%    releases does;
%%  * status_addresses: a list of URLs adds the XEP-0455 form (FORM_TYPE
%%    urn:xmpp:sos:0, field external-status-addresses, list-multi).
%%
%%  * server_card: a vCard4 <vcard/> as XML text turns on the public server's part
%%    of XEP-0309 (Service Directories): the feature urn:xmpp:public-server, the
%%    card answered to vCard4 queries addressed to the host, the server-buddy
%%    command (XEP-0050 with the XEP-0133 form, for the bare JIDs listed in
%%    directory_admins; a submitted peerjid gets the host's presence subscription),
%%    and approval of presence subscriptions addressed to the host (as Prosody's
%%    mod_presence does), followed by the host's available presence.
%%
%% Contact addresses and the serverinfo-pubsub-node field come from mod_disco's
%% server_info option, not from here.
-module(mod_interop).
-behaviour(gen_mod).

-export([start/2, stop/1, reload/3, depends/2, mod_opt_type/1, mod_options/1, mod_doc/0]).
-export([disco_features/5, disco_info/5]).
-export([decode_iq_subel/1, process_vcard/1, process_command/1, host_presence/1]).

-include("xmpp.hrl").

-define(SERVERINFO, <<"urn:xmpp:serverinfo:0">>).
-define(SOS, <<"urn:xmpp:sos:0">>).
-define(PUBLIC_SERVER, <<"urn:xmpp:public-server">>).
-define(VCARD4, <<"urn:ietf:params:xml:ns:vcard-4.0">>).
-define(BUDDY_NODE, <<"http://jabber.org/protocol/admin#server-buddy">>).

%% mod_disco's own disco_info handler (sequence 100) drops what earlier handlers
%% returned, so ours runs after it (150) and adds to its form.

start(Host, _Opts) ->
    ejabberd_hooks:add(disco_local_features, Host, ?MODULE, disco_features, 50),
    ejabberd_hooks:add(disco_info, Host, ?MODULE, disco_info, 150),
    case directory(Host) of
        true ->
            %% The handlers' namespaces show up in the host's disco#info features.
            gen_iq_handler:add_iq_handler(ejabberd_local, Host, ?VCARD4, ?MODULE, process_vcard),
            gen_iq_handler:add_iq_handler(ejabberd_local, Host, ?NS_COMMANDS, ?MODULE,
                                          process_command),
            %% Before ejabberd_local's own handler (100), which would drop it.
            ejabberd_hooks:add(local_send_to_resource_hook, Host, ?MODULE, host_presence, 40);
        false ->
            ok
    end,
    ok.

stop(Host) ->
    ejabberd_hooks:delete(disco_local_features, Host, ?MODULE, disco_features, 50),
    ejabberd_hooks:delete(disco_info, Host, ?MODULE, disco_info, 150),
    case directory(Host) of
        true ->
            gen_iq_handler:remove_iq_handler(ejabberd_local, Host, ?VCARD4),
            gen_iq_handler:remove_iq_handler(ejabberd_local, Host, ?NS_COMMANDS),
            ejabberd_hooks:delete(local_send_to_resource_hook, Host, ?MODULE, host_presence, 40);
        false ->
            ok
    end,
    ok.

directory(Host) ->
    gen_mod:get_module_opt(Host, ?MODULE, server_card) /= <<>>.

reload(_Host, _NewOpts, _OldOpts) -> ok.

depends(_Host, _Opts) -> [{mod_disco, hard}].

mod_opt_type(serverinfo_feature) -> econf:bool();
mod_opt_type(status_addresses) -> econf:list(econf:binary());
mod_opt_type(server_card) -> econf:binary();
mod_opt_type(directory_admins) -> econf:list(econf:binary()).

mod_options(_Host) ->
    [{serverinfo_feature, false}, {status_addresses, []}, {server_card, <<>>},
     {directory_admins, []}].

mod_doc() -> #{desc => [<<"Discovery additions for the xep-* interop suite.">>]}.

%% Root node only; errors from other modules pass through.
disco_features({error, _} = Acc, _From, _To, _Node, _Lang) ->
    Acc;
disco_features(Acc, _From, #jid{lserver = Host}, <<"">>, _Lang) ->
    Features = case Acc of
                   {result, Fs} -> Fs;
                   _ -> []
               end,
    Ours = [F || {F, true} <- [{?SERVERINFO, gen_mod:get_module_opt(Host, ?MODULE,
                                                                     serverinfo_feature)},
                               {?PUBLIC_SERVER, directory(Host)}]],
    case Ours of
        [] -> Acc;
        _ -> {result, Ours ++ Features}
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

%% The vCard4 and command payloads reach their handlers undecoded (p1_xmpp has no
%% codec for vCard4); process_command decodes its own.
decode_iq_subel(El) -> El.

process_vcard(#iq{type = get, to = #jid{lserver = Host}} = IQ) ->
    Card = fxml_stream:parse_element(gen_mod:get_module_opt(Host, ?MODULE, server_card)),
    xmpp:make_iq_result(IQ, Card);
process_vcard(#iq{lang = Lang} = IQ) ->
    xmpp:make_error(IQ, xmpp:err_not_allowed(<<"The server card is read-only">>, Lang)).

process_command(#iq{type = set, from = From, to = To, lang = Lang, sub_els = [El]} = IQ) ->
    Admins = gen_mod:get_module_opt(To#jid.lserver, ?MODULE, directory_admins),
    case lists:member(jid:encode(jid:remove_resource(From)), Admins) of
        false ->
            xmpp:make_error(IQ, xmpp:err_forbidden(<<"Only admins may add server buddies">>,
                                                   Lang));
        true ->
            try xmpp:decode(El) of
                #adhoc_command{node = ?BUDDY_NODE} = Command ->
                    buddy_step(IQ, Command, To);
                _ ->
                    xmpp:make_error(IQ, xmpp:err_item_not_found(<<"No such command">>, Lang))
            catch
                _:{xmpp_codec, Why} ->
                    xmpp:make_error(IQ, xmpp:err_bad_request(xmpp:io_format_error(Why), Lang))
            end
    end;
process_command(#iq{lang = Lang} = IQ) ->
    xmpp:make_error(IQ, xmpp:err_bad_request(<<"Commands are executed with set">>, Lang)).

%% No session state: the submission carries everything the command needs.
buddy_step(IQ, #adhoc_command{action = cancel, sid = Sid}, _To) ->
    xmpp:make_iq_result(IQ, #adhoc_command{node = ?BUDDY_NODE, sid = Sid, status = canceled});
buddy_step(IQ, #adhoc_command{xdata = undefined}, _To) ->
    Form = #xdata{type = form,
                  title = <<"Adding a Server Buddy">>,
                  instructions = [<<"Fill out this form to add a \"server buddy\".">>],
                  fields = [#xdata_field{var = <<"FORM_TYPE">>, type = hidden,
                                         values = [<<"http://jabber.org/protocol/admin">>]},
                            #xdata_field{var = <<"peerjid">>, type = 'jid-single',
                                         label = <<"The server to add">>, required = true}]},
    xmpp:make_iq_result(IQ, #adhoc_command{node = ?BUDDY_NODE, sid = p1_rand:get_string(),
                                           status = executing,
                                           actions = #adhoc_actions{execute = complete,
                                                                    complete = true},
                                           xdata = Form});
buddy_step(#iq{lang = Lang} = IQ, #adhoc_command{sid = Sid, xdata = #xdata{fields = Fields}},
           To) ->
    Peers = [V || #xdata_field{var = <<"peerjid">>, values = [V]} <- Fields],
    Peer = case Peers of
               [Text] -> try jid:decode(Text) catch _:_ -> error end;
               _ -> error
           end,
    case Peer of
        error ->
            xmpp:make_error(IQ, xmpp:err_bad_request(<<"No usable peerjid">>, Lang));
        #jid{} ->
            ejabberd_router:route(#presence{from = jid:remove_resource(To),
                                            to = jid:remove_resource(Peer),
                                            type = subscribe}),
            xmpp:make_iq_result(IQ, #adhoc_command{node = ?BUDDY_NODE, sid = Sid,
                                                   status = completed})
    end.

%% A presence subscription addressed to the host is approved, and the host's
%% presence follows; other presences to the host go on to ejabberd_local.
host_presence(#presence{type = subscribe, from = From,
                        to = #jid{luser = <<>>, lresource = <<>>} = To}) ->
    Bare = jid:remove_resource(From),
    ejabberd_router:route(#presence{from = To, to = Bare, type = subscribed}),
    ejabberd_router:route(#presence{from = To, to = Bare}),
    stop;
host_presence(_) ->
    ok.
