package knowncookies

// Tracker is a host that serves a tracker's scripts, frames or pixels: what a policy's
// blockers name. `caddy cookie-consent draft` proposes blockers for the tracker hosts it
// saw, and lint uses FirstParty to give the right advice about providers.
type Tracker struct {
	// Host is an exact host, or "*.domain" for the domain and every subdomain, as a
	// policy's blocker hosts are written.
	Host     string
	Category string // one of preferences, statistics, marketing
	Platform string
	// FirstParty are the cookies and storage keys (names or patterns) that the host's
	// script sets on the site's own domain: their provider is the site, not this host.
	// A blocker for the host is what keeps them from being written before consent.
	FirstParty []string
	// Source names the vendor's public documentation of the host and its cookies.
	Source string
}

// Trackers returns the built-in list of tracker hosts; each call returns a fresh copy.
func Trackers() []Tracker {
	out := make([]Tracker, len(trackers))
	for i, t := range trackers {
		t.FirstParty = append([]string(nil), t.FirstParty...)
		out[i] = t
	}
	return out
}

var (
	googleTagCookies = []string{"_ga", "_ga_#", "_gid", "_gat", "_gat_#", "_gcl_au", "_gcl_aw", "_gcl_dc", "_gcl_gb", "_gcl_ls"}
	hotjarCookies    = []string{"_hjSessionUser_#", "_hjSession_#", "_hjid", "_hjFirstSeen", "_hjIncludedInSessionSample_#", "_hjAbsoluteSessionInProgress", "_hjTLDTest", "_hjLocalStorageTest", "_hjSessionStorageTest"}
)

var trackers = []Tracker{
	// Google: the Google tag (gtag.js) and Tag Manager containers, Universal Analytics'
	// analytics.js, and the advertising hosts.
	{"www.googletagmanager.com", statistics, "Google tag / Google Tag Manager", googleTagCookies, "https://developers.google.com/tag-platform/gtagjs/install; " + srcGoogleTag},
	{"*.google-analytics.com", statistics, "Google Analytics", []string{"_ga", "_ga_#", "_gid", "_gat", "_gat_#"}, srcGoogleTag},
	{"*.doubleclick.net", marketing, "Google Marketing Platform (DoubleClick)", nil, srcGoogleAds},
	{"*.googlesyndication.com", marketing, "Google AdSense", []string{"__gads", "__gpi"}, srcGoogleAds},
	{"*.googleadservices.com", marketing, "Google Ads", []string{"_gcl_au", "_gcl_aw"}, srcGoogleAds},
	{"*.youtube.com", marketing, "YouTube", nil, srcGooglePolicies},
	{"*.youtube-nocookie.com", marketing, "YouTube", nil, srcGooglePolicies},

	// Meta pixel (fbevents.js) and its <noscript> image, social plugins.
	{"connect.facebook.net", marketing, "Meta", []string{"_fbp", "_fbc"}, "https://developers.facebook.com/docs/meta-pixel/get-started; https://www.facebook.com/privacy/policies/cookies/"},
	{"www.facebook.com", marketing, "Meta", nil, "https://www.facebook.com/privacy/policies/cookies/"},

	{"*.hotjar.com", statistics, "Hotjar", hotjarCookies, "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"*.clarity.ms", statistics, "Microsoft Clarity", []string{"_clck", "_clsk"}, srcClarity},
	{"bat.bing.com", marketing, "Microsoft Advertising", []string{"_uetsid", "_uetvid", "_uetmsclkid"}, "https://help.ads.microsoft.com/#apex/ads/en/56688/2 (UET and cookies)"},
	{"snap.licdn.com", marketing, "LinkedIn Insight Tag", []string{"li_fat_id"}, "https://www.linkedin.com/legal/l/cookie-table"},
	{"px.ads.linkedin.com", marketing, "LinkedIn Insight Tag", nil, "https://www.linkedin.com/legal/l/cookie-table"},
	{"analytics.tiktok.com", marketing, "TikTok pixel", []string{"_ttp", "_tt_enable_cookie", "ttcsid", "ttcsid_#", "tt_*"}, "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},
	{"*.ads-twitter.com", marketing, "X pixel", []string{"_twclid"}, "https://business.x.com/en/help/campaign-measurement-and-analytics/conversion-tracking-for-websites; https://help.x.com/en/rules-and-policies/x-cookies"},
	{"s.pinimg.com", marketing, "Pinterest tag", []string{"_pin_unauth", "_epik", "_derived_epik", "_pinterest_ct_ua"}, "https://help.pinterest.com/en/business/article/install-the-pinterest-tag; https://policy.pinterest.com/en/cookies"},
	{"ct.pinterest.com", marketing, "Pinterest tag", nil, "https://policy.pinterest.com/en/cookies"},
	{"sc-static.net", marketing, "Snap pixel", []string{"_scid", "_scid_r", "_sctr"}, "https://businesshelp.snapchat.com/s/article/pixel-direct-implementation"},
	{"tr.snapchat.com", marketing, "Snap pixel", nil, "https://businesshelp.snapchat.com/s/article/pixel-direct-implementation"},
	{"mc.yandex.ru", statistics, "Yandex Metrica", []string{"_ym_uid", "_ym_d", "_ym_isad", "_ym_visorc"}, srcYandex},
	{"mc.yandex.com", statistics, "Yandex Metrica", []string{"_ym_uid", "_ym_d", "_ym_isad", "_ym_visorc"}, srcYandex},
	{"js.hs-scripts.com", statistics, "HubSpot", []string{"__hstc", "hubspotutk", "__hssc", "__hssrc"}, "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"js.hs-analytics.net", statistics, "HubSpot", []string{"__hstc", "hubspotutk", "__hssc", "__hssrc"}, "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"cdn.segment.com", statistics, "Segment", []string{"ajs_anonymous_id", "ajs_user_id", "ajs_group_id"}, "https://segment.com/docs/connections/sources/catalog/libraries/website/javascript/identity/"},
	{"cdn.mxpnl.com", statistics, "Mixpanel", []string{"mp_#_mixpanel"}, "https://docs.mixpanel.com/docs/tracking-methods/sdks/javascript"},
	{"cdn.matomo.cloud", statistics, "Matomo Cloud", []string{"_pk_id.#", "_pk_ses.#", "_pk_ref.#"}, "https://matomo.org/faq/general/faq_146/"},
	{"assets.adobedtm.com", statistics, "Adobe Experience Platform tags", []string{"AMCV_#", "AMCVS_#", "s_cc", "s_sq"}, srcAdobe},
	{"*.omtrdc.net", statistics, "Adobe Analytics", nil, srcAdobe},
	{"*.demdex.net", marketing, "Adobe Audience Manager", nil, srcAdobe},
	{"static.criteo.net", marketing, "Criteo", []string{"cto_bundle"}, "https://www.criteo.com/privacy/"},
	{"*.criteo.com", marketing, "Criteo", nil, "https://www.criteo.com/privacy/"},
	{"widget.intercom.io", preferences, "Intercom Messenger", []string{"intercom-id-#", "intercom-session-#", "intercom-device-id-#"}, "https://www.intercom.com/help/en/articles/2361922-intercom-messenger-cookies"},
	{"js.intercomcdn.com", preferences, "Intercom Messenger", []string{"intercom-id-#", "intercom-session-#", "intercom-device-id-#"}, "https://www.intercom.com/help/en/articles/2361922-intercom-messenger-cookies"},
	{"player.vimeo.com", statistics, "Vimeo", nil, "https://vimeo.com/cookie_policy"},
}
