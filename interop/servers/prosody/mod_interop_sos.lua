-- XEP-0455 Service Outage Status for the interop suite: the disco#info form listing
-- the status file addresses, as Prosody's community module mod_service_outage_status
-- sends it (a list-multi field under FORM_TYPE urn:xmpp:sos:0).
--
-- Option: interop_status_addresses = { "https://..." }

local dataforms = require "util.dataforms";

local addresses = module:get_option_array("interop_status_addresses", {});

local layout = dataforms.new({
	{ var = "FORM_TYPE"; type = "hidden"; value = "urn:xmpp:sos:0" };
	{ name = "addresses"; var = "external-status-addresses"; type = "list-multi" };
});

module:add_extension(layout:form({ addresses = addresses }, "result"));
