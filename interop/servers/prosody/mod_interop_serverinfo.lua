-- XEP-0485 PubSub Server Information for the interop suite, discovery only: the
-- feature urn:xmpp:serverinfo:0 (the opt-in), and, when a node is configured, the
-- serverinfo-pubsub-node field in its own form under the XEP-0157 FORM_TYPE, as the
-- 2024 generation of prosody-modules' mod_pubsub_serverinfo sent it beside
-- mod_server_contact_info's form (two forms, one FORM_TYPE).
--
-- Option: interop_serverinfo_node = "xmpp:pubsub.example.org?;node=serverinfo"

local dataforms = require "util.dataforms";

module:add_feature("urn:xmpp:serverinfo:0");

local node_uri = module:get_option_string("interop_serverinfo_node");
if node_uri then
	local layout = dataforms.new({
		{ var = "FORM_TYPE"; type = "hidden"; value = "http://jabber.org/network/serverinfo" };
		{ name = "node"; var = "serverinfo-pubsub-node"; type = "text-single" };
	});
	module:add_extension(layout:form({ node = node_uri }, "result"));
end
