-- XEP-0309 Service Directories, the public server's part, for the interop suite.
-- Stock Prosody 0.12 has no module for it, so this one plays what the suite needs:
--
--  * the features urn:xmpp:public-server and urn:ietf:params:xml:ns:vcard-4.0 in the
--    host's disco#info;
--  * the host's server card: a vCard4 <vcard/> (option interop_server_card, XML
--    text) answered to vCard4 queries addressed to the host;
--  * the server-buddy command (node http://jabber.org/protocol/admin#server-buddy,
--    XEP-0050 with the XEP-0133 form): an admin executes it, gets the form, submits a
--    peerjid, and the host sends that peer a presence subscription.
--
-- Prosody's own mod_presence approves subscriptions addressed to the host and sends
-- its presence back; XEP-0092 answers come from mod_version.

local st = require "util.stanza";
local jid = require "util.jid";
local xml = require "util.xml";
local id = require "util.id";
local dataforms = require "util.dataforms";
local usermanager = require "core.usermanager";

local xmlns_commands = "http://jabber.org/protocol/commands";
local node = "http://jabber.org/protocol/admin#server-buddy";

local card_text = module:get_option_string("interop_server_card");
local card = card_text and assert(xml.parse(card_text));

module:add_feature("urn:xmpp:public-server");
if card then
	module:add_feature("urn:ietf:params:xml:ns:vcard-4.0");
end

module:hook("iq-get/host/urn:ietf:params:xml:ns:vcard-4.0:vcard", function(event)
	local origin, stanza = event.origin, event.stanza;
	if not card then
		origin.send(st.error_reply(stanza, "cancel", "item-not-found"));
	else
		origin.send(st.reply(stanza):add_child(st.clone(card)));
	end
	return true;
end);

local layout = dataforms.new({
	title = "Adding a Server Buddy";
	instructions = "Fill out this form to add a \"server buddy\".";
	{ name = "FORM_TYPE"; type = "hidden"; value = "http://jabber.org/protocol/admin" };
	{ name = "peerjid"; type = "jid-single"; label = "The server to add"; required = true };
});

-- Open command sessions, by session id.
local sessions = {};

module:hook("iq-set/host/" .. xmlns_commands .. ":command", function(event)
	local origin, stanza = event.origin, event.stanza;
	local command = stanza.tags[1];
	if command.attr.node ~= node then
		return;
	end
	if not usermanager.is_admin(jid.bare(stanza.attr.from), module.host) then
		origin.send(st.error_reply(stanza, "auth", "forbidden"));
		return true;
	end
	local form = command:get_child("x", "jabber:x:data");
	local sid = command.attr.sessionid;
	if command.attr.action == "cancel" then
		sessions[sid or ""] = nil;
		origin.send(st.reply(stanza):tag("command",
			{ xmlns = xmlns_commands; node = node; sessionid = sid; status = "canceled" }));
		return true;
	end
	if not form then
		sid = id.short();
		sessions[sid] = true;
		origin.send(st.reply(stanza)
			:tag("command", { xmlns = xmlns_commands; node = node; sessionid = sid; status = "executing" })
			:tag("actions", { execute = "complete" }):tag("complete"):up():up()
			:add_child(layout:form()));
		return true;
	end
	if not (sid and sessions[sid]) then
		origin.send(st.error_reply(stanza, "modify", "bad-request")
			:tag("bad-sessionid", { xmlns = xmlns_commands }));
		return true;
	end
	local data = layout:data(form);
	local peer = data.peerjid and jid.prep(data.peerjid);
	if not peer then
		origin.send(st.error_reply(stanza, "modify", "bad-request")
			:tag("bad-payload", { xmlns = xmlns_commands }));
		return true;
	end
	sessions[sid] = nil;
	module:log("info", "server-buddy: sending a subscription to %s", peer);
	module:send(st.presence({ from = module.host; to = jid.bare(peer); type = "subscribe" }));
	origin.send(st.reply(stanza):tag("command",
		{ xmlns = xmlns_commands; node = node; sessionid = sid; status = "completed" }));
	return true;
end);
