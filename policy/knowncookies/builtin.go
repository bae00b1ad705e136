package knowncookies

// Builtin returns the built-in list of well-known cookies and browser-storage keys: the
// trackers' (below) and the platforms' (platforms.go). Each call returns a fresh copy, so
// a caller may sort, filter or append to it without affecting other callers.
func Builtin() []Cookie {
	out := make([]Cookie, 0, len(trackerCookies)+len(platforms))
	out = append(out, trackerCookies...)
	return append(out, platforms...)
}

// Sources shared by several vendors' entries.
const (
	srcGoogleTag        = "https://developers.google.com/tag-platform/security/concepts/cookies"
	srcGoogleAds        = "https://business.safety.google/adscookies/"
	srcGooglePolicies   = "https://policies.google.com/technologies/cookies"
	srcGoogleServerSide = "https://developers.google.com/tag-platform/tag-manager/server-side/intro (first-party cookies of server-side tagging)"
	srcClarity          = "https://learn.microsoft.com/en-us/clarity/setup-and-installation/cookie-list"
	srcYandex           = "https://yandex.com/support/metrica/general/cookie-usage.html"
	srcAdobe            = "https://experienceleague.adobe.com/en/docs/core-services/interface/data-collection/cookies/analytics"
)

// trackerCookies are the cookies of analytics, advertising, social and chat services,
// written from the vendors' own public descriptions of their cookies.
//
// Where a vendor files a cookie under "security" or "required" on its own domain but the
// cookie only ever reaches a visitor through that vendor's advertising or social
// embeds on someone else's site (LinkedIn's bcookie, Meta's datr, Yandex's yandexuid),
// it is classed with the embed that brings it. On the embedding site it serves no need
// of that site, and a wrong "necessary" would let a tracker through without consent,
// whereas a wrong "marketing" only holds something back.
//
// Plausible Analytics sets no cookies and therefore has no entry.
var trackerCookies = []Cookie{
	// Google Analytics (analytics.js, gtag.js and the legacy ga.js / urchin cookies).
	// _gac_<property> carries Google Ads campaign data for conversion import, so it
	// counts as marketing although Analytics sets it.
	{"_ga", statistics, "Google Analytics", script, "2y", srcGoogleTag},
	{"_ga_#", statistics, "Google Analytics", script, "2y", srcGoogleTag},
	{"_gid", statistics, "Google Analytics", script, "1d", srcGoogleTag},
	{"_gat", statistics, "Google Analytics", script, "1min", srcGoogleTag},
	{"_gat_#", statistics, "Google Analytics", script, "1min", srcGoogleTag},
	{"_dc_gtm_#", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"_gac_#", marketing, "Google Analytics", script, "", srcGoogleTag},
	{"AMP_TOKEN", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utma", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utmb", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utmc", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utmt", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utmv", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"__utmz", statistics, "Google Analytics", script, "", srcGoogleTag},
	{"_gaexp", statistics, "Google Optimize", script, "", srcGoogleTag},

	// Google Ads, Campaign Manager / DoubleClick and AdSense / Ad Manager.
	// _gcl_ls is a browser-storage key rather than a cookie; it is listed so that
	// storage writes can be classified with the same list.
	{"_gcl_au", marketing, "Google Ads", script, "90d", srcGoogleAds},
	{"_gcl_aw", marketing, "Google Ads", script, "", srcGoogleAds},
	{"_gcl_dc", marketing, "Google Ads", script, "", srcGoogleAds},
	{"_gcl_gb", marketing, "Google Ads", script, "", srcGoogleAds},
	{"_gcl_ls", marketing, "Google Ads", script, "", srcGoogleAds},
	{"IDE", marketing, "Google DoubleClick", server, "", srcGoogleAds},
	{"test_cookie", marketing, "Google DoubleClick", server, "", srcGoogleAds},
	{"DSID", marketing, "Google DoubleClick", server, "", srcGoogleAds},
	{"__gads", marketing, "Google AdSense", script, "", srcGoogleAds},
	{"__gpi", marketing, "Google AdSense", script, "", srcGoogleAds},
	{"NID", marketing, "Google", server, "", srcGooglePolicies},
	{"ANID", marketing, "Google", server, "", srcGooglePolicies},

	// Google Tag Manager server-side tagging, first-party cookies set by the tagging
	// server: FP* for Analytics are statistics, those for Ads / Floodlight marketing.
	{"FPID", statistics, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPLC", statistics, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPGSID", statistics, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPAU", marketing, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPGCLAW", marketing, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPGCLDC", marketing, "Google Tag Manager", server, "", srcGoogleServerSide},
	{"FPGCLGB", marketing, "Google Tag Manager", server, "", srcGoogleServerSide},

	// Google reCAPTCHA: bot protection for forms.
	{"_GRECAPTCHA", necessary, "Google reCAPTCHA", server, "", srcGooglePolicies},

	// YouTube and Vimeo embeds.
	{"VISITOR_INFO1_LIVE", marketing, "YouTube", server, "", srcGooglePolicies},
	{"YSC", marketing, "YouTube", server, "", srcGooglePolicies},
	{"vuid", statistics, "Vimeo", server, "", "https://vimeo.com/cookie_policy"},

	// Meta (Facebook / Instagram) pixel and plugins. datr is Meta's browser-integrity
	// cookie on facebook.com; see the note above the list.
	{"_fbp", marketing, "Meta", script, "90d", "https://www.facebook.com/privacy/policies/cookies/"},
	{"_fbc", marketing, "Meta", script, "90d", "https://www.facebook.com/privacy/policies/cookies/"},
	{"fr", marketing, "Meta", server, "", "https://www.facebook.com/privacy/policies/cookies/"},
	{"datr", marketing, "Meta", server, "", "https://www.facebook.com/privacy/policies/cookies/"},

	// Hotjar. The survey and feedback-widget cookies only remember the widget's state.
	{"_hjSessionUser_#", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjSession_#", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjid", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjFirstSeen", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjIncludedInSessionSample", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjIncludedInSessionSample_#", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjIncludedInPageviewSample", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjAbsoluteSessionInProgress", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjTLDTest", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjLocalStorageTest", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjSessionStorageTest", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjCachedUserAttributes", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjUserAttributesHash", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjViewportId", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjRecordingEnabled", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjRecordingLastActivity", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjSessionRejected", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjSessionResumed", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjSessionTooLarge", statistics, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjClosedSurveyInvites", preferences, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjDonePolls", preferences, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjMinimizedPolls", preferences, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},
	{"_hjShownFeedbackMessage", preferences, "Hotjar", script, "", "https://help.hotjar.com/hc/en-us/articles/6952777582999-Cookies-Set-by-the-Hotjar-Tracking-Code"},

	// Matomo (formerly Piwik). Tracker cookies are named _pk_<kind>.<site id>.<domain
	// hash>. MATOMO_SESSID / PIWIK_SESSID are sessions of the Matomo application and
	// its opt-out form; the mtm_* cookies store the visitor's consent or refusal.
	{"_pk_id.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_ses.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_ref.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_cvar.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_hsr.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_testcookie", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"_pk_testcookie.#", statistics, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"MATOMO_SESSID", necessary, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"PIWIK_SESSID", necessary, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"mtm_consent", necessary, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"mtm_consent_removed", necessary, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},
	{"mtm_cookie_consent", necessary, "Matomo", script, "", "https://matomo.org/faq/general/faq_146/"},

	// Microsoft Clarity, and the Microsoft advertising identifiers it syncs (MUID is
	// also the Microsoft Advertising / Bing browser id).
	{"_clck", statistics, "Microsoft Clarity", script, "", srcClarity},
	{"_clsk", statistics, "Microsoft Clarity", script, "", srcClarity},
	{"CLID", statistics, "Microsoft Clarity", server, "", srcClarity},
	{"MUID", marketing, "Microsoft", server, "", srcClarity},
	{"ANONCHK", marketing, "Microsoft", server, "", srcClarity},
	{"MR", marketing, "Microsoft", server, "", srcClarity},
	{"SM", marketing, "Microsoft", server, "", srcClarity},

	// Microsoft Application Insights (Azure Monitor) browser SDK.
	{"ai_user", statistics, "Microsoft Application Insights", script, "", "https://learn.microsoft.com/en-us/azure/azure-monitor/app/javascript-sdk-configuration#cookie-management"},
	{"ai_session", statistics, "Microsoft Application Insights", script, "", "https://learn.microsoft.com/en-us/azure/azure-monitor/app/javascript-sdk-configuration#cookie-management"},
	{"ai_authUser", statistics, "Microsoft Application Insights", script, "", "https://learn.microsoft.com/en-us/azure/azure-monitor/app/javascript-sdk-configuration#cookie-management"},

	// Microsoft Advertising (Bing) Universal Event Tracking.
	{"_uetsid", marketing, "Microsoft Advertising", script, "", "https://help.ads.microsoft.com/#apex/ads/en/56688/2 (UET and cookies)"},
	{"_uetvid", marketing, "Microsoft Advertising", script, "", "https://help.ads.microsoft.com/#apex/ads/en/56688/2 (UET and cookies)"},
	{"_uetmsclkid", marketing, "Microsoft Advertising", script, "", "https://help.ads.microsoft.com/#apex/ads/en/56688/2 (UET and cookies)"},

	// LinkedIn Insight Tag and embeds; li_gc stores a guest's cookie choice.
	{"li_sugr", marketing, "LinkedIn", script, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"li_fat_id", marketing, "LinkedIn", script, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"UserMatchHistory", marketing, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"lms_ads", marketing, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"bcookie", marketing, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"bscookie", marketing, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"lidc", marketing, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"AnalyticsSyncHistory", statistics, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"lms_analytics", statistics, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"lang", preferences, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},
	{"li_gc", necessary, "LinkedIn", server, "", "https://www.linkedin.com/legal/l/cookie-table"},

	// HubSpot, in the categories HubSpot itself documents: visitor analytics, the chat
	// widget's memory (functional), and the cookies its consent banner, memberships and
	// password-protected pages need.
	{"__hstc", statistics, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hubspotutk", statistics, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hssc", statistics, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hssrc", statistics, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"messagesUtk", preferences, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hs_opt_out", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hs_do_not_track", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hs_initial_opt_in", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hs_ab_test", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hs-messages-is-open", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hs-messages-hide-welcome-message", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"__hsmem", necessary, "HubSpot", server, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hs-membership-csrf", necessary, "HubSpot", server, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},
	{"hs_langswitcher_choice", necessary, "HubSpot", script, "", "https://knowledge.hubspot.com/privacy-and-consent/what-cookies-does-hubspot-set-in-a-visitor-s-browser"},

	// TikTok pixel. tt_* also covers the pixel's storage keys (tt_appInfo,
	// tt_sessionId, tt_pixel_session_index).
	{"_ttp", marketing, "TikTok", script, "", "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},
	{"_tt_enable_cookie", marketing, "TikTok", script, "", "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},
	{"tt_*", marketing, "TikTok", script, "", "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},
	{"ttcsid", marketing, "TikTok", script, "", "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},
	{"ttcsid_#", marketing, "TikTok", script, "", "https://ads.tiktok.com/help/article/using-cookies-with-tiktok-pixel"},

	// Yandex Metrica. The yandex.* domain cookies it relies on belong to Yandex's
	// advertising identity (yabs = Yandex advertising), see the note above the list.
	{"_ym_uid", statistics, "Yandex Metrica", script, "", srcYandex},
	{"_ym_d", statistics, "Yandex Metrica", script, "", srcYandex},
	{"_ym_isad", statistics, "Yandex Metrica", script, "", srcYandex},
	{"_ym_visorc", statistics, "Yandex Metrica", script, "", srcYandex},
	{"_ym_metrika_enabled", statistics, "Yandex Metrica", script, "", srcYandex},
	{"yandexuid", marketing, "Yandex", server, "", srcYandex},
	{"yuidss", marketing, "Yandex", server, "", srcYandex},
	{"ymex", marketing, "Yandex", server, "", srcYandex},
	{"yabs-sid", marketing, "Yandex", server, "", srcYandex},

	// X (Twitter) pixel and embeds; _twclid is the pixel's first-party click id.
	{"personalization_id", marketing, "X", server, "", "https://help.x.com/en/rules-and-policies/x-cookies"},
	{"muc_ads", marketing, "X", server, "", "https://help.x.com/en/rules-and-policies/x-cookies"},
	{"guest_id", marketing, "X", server, "", "https://help.x.com/en/rules-and-policies/x-cookies"},
	{"guest_id_ads", marketing, "X", server, "", "https://help.x.com/en/rules-and-policies/x-cookies"},
	{"guest_id_marketing", marketing, "X", server, "", "https://help.x.com/en/rules-and-policies/x-cookies"},
	{"_twclid", marketing, "X", script, "", "https://help.x.com/en/rules-and-policies/x-cookies"},

	// Pinterest tag.
	{"_pinterest_ct_ua", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},
	{"_pinterest_ct", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},
	{"_pinterest_ct_rt", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},
	{"_pinterest_sess", marketing, "Pinterest", server, "", "https://policy.pinterest.com/en/cookies"},
	{"_pin_unauth", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},
	{"_epik", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},
	{"_derived_epik", marketing, "Pinterest", script, "", "https://policy.pinterest.com/en/cookies"},

	// Snap pixel.
	{"_scid", marketing, "Snapchat", script, "", "https://snap.com/en-US/cookie-policy"},
	{"_scid_r", marketing, "Snapchat", script, "", "https://snap.com/en-US/cookie-policy"},
	{"_sctr", marketing, "Snapchat", script, "", "https://snap.com/en-US/cookie-policy"},
	{"_schn", marketing, "Snapchat", script, "", "https://snap.com/en-US/cookie-policy"},
	{"sc_at", marketing, "Snapchat", script, "", "https://snap.com/en-US/cookie-policy"},

	// Criteo first-party cookies.
	{"cto_bundle", marketing, "Criteo", script, "", "https://www.criteo.com/privacy/"},
	{"cto_bidid", marketing, "Criteo", script, "", "https://www.criteo.com/privacy/"},
	{"cto_lwid", marketing, "Criteo", script, "", "https://www.criteo.com/privacy/"},

	// Adobe Analytics and the Experience Cloud ID service (AMCV_<org id>), whose id the
	// Analytics beacons carry; Audience Manager (demdex) is Adobe's ad audience product.
	{"s_cc", statistics, "Adobe Analytics", script, "", srcAdobe},
	{"s_sq", statistics, "Adobe Analytics", script, "", srcAdobe},
	{"s_vi", statistics, "Adobe Analytics", server, "", srcAdobe},
	{"s_fid", statistics, "Adobe Analytics", script, "", srcAdobe},
	{"s_ecid", statistics, "Adobe Analytics", server, "", srcAdobe},
	{"s_ppv", statistics, "Adobe Analytics", script, "", srcAdobe},
	{"s_nr", statistics, "Adobe Analytics", script, "", srcAdobe},
	{"AMCV_#", statistics, "Adobe Experience Cloud", script, "", srcAdobe},
	{"AMCVS_#", statistics, "Adobe Experience Cloud", script, "", srcAdobe},
	{"demdex", marketing, "Adobe Audience Manager", server, "", srcAdobe},
	{"dextp", marketing, "Adobe Audience Manager", server, "", srcAdobe},

	// Mixpanel: the per-project state cookie, and the cookie that stores an opt-out.
	{"mp_#_mixpanel", statistics, "Mixpanel", script, "", "https://docs.mixpanel.com/docs/tracking-methods/sdks/javascript"},
	{"__mp_opt_in_out_#", necessary, "Mixpanel", script, "", "https://docs.mixpanel.com/docs/tracking-methods/sdks/javascript"},

	// Segment analytics.js.
	{"ajs_anonymous_id", statistics, "Segment", script, "", "https://segment.com/docs/connections/sources/catalog/libraries/website/javascript/identity/"},
	{"ajs_user_id", statistics, "Segment", script, "", "https://segment.com/docs/connections/sources/catalog/libraries/website/javascript/identity/"},
	{"ajs_group_id", statistics, "Segment", script, "", "https://segment.com/docs/connections/sources/catalog/libraries/website/javascript/identity/"},

	// Intercom Messenger (chat widget), per app id.
	{"intercom-id-#", preferences, "Intercom", script, "", "https://www.intercom.com/help/en/articles/2361922-intercom-messenger-cookies"},
	{"intercom-session-#", preferences, "Intercom", script, "", "https://www.intercom.com/help/en/articles/2361922-intercom-messenger-cookies"},
	{"intercom-device-id-#", preferences, "Intercom", script, "", "https://www.intercom.com/help/en/articles/2361922-intercom-messenger-cookies"},

	// Cloudflare: bot management, challenges, rate limiting, load balancing, waiting
	// room and Access.
	{"__cf_bm", necessary, "Cloudflare", server, "30min", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_clearance", necessary, "Cloudflare", server, "1y", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"__cflb", necessary, "Cloudflare", server, "1d", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"_cfuvid", necessary, "Cloudflare", server, "session", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"__cfruid", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"__cfseq-#", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"__cfwaitingroom", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_ob_info", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_use_ob", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_chl_rc_i", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_chl_rc_ni", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"cf_chl_rc_m", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},
	{"CF_Authorization", necessary, "Cloudflare", server, "", "https://developers.cloudflare.com/fundamentals/reference/policies-compliances/cloudflare-cookies/"},

	// Stripe fraud prevention on payment pages.
	{"__stripe_mid", necessary, "Stripe", script, "1y", "https://docs.stripe.com/disputes/prevention/advanced-fraud-detection"},
	{"__stripe_sid", necessary, "Stripe", script, "30min", "https://docs.stripe.com/disputes/prevention/advanced-fraud-detection"},

	// Consent managers' own storage of the visitor's choice, which the law treats as
	// necessary. They matter here when a site moves from one of them to consentgate
	// and old consent cookies are still around.
	{"CookieConsent", necessary, "Cookiebot", script, "", "https://www.cookiebot.com/en/developer/"},
	{"CookieConsentBulkSetting-#", necessary, "Cookiebot", script, "", "https://www.cookiebot.com/en/developer/"},
	{"OptanonConsent", necessary, "OneTrust", script, "", "https://developer.onetrust.com/onetrust/docs/"},
	{"OptanonAlertBoxClosed", necessary, "OneTrust", script, "", "https://developer.onetrust.com/onetrust/docs/"},
	{"eupubconsent-v2", necessary, "IAB TCF consent string", script, "", "https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework"},
	{"euconsent-v2", necessary, "IAB TCF consent string", script, "", "https://github.com/InteractiveAdvertisingBureau/GDPR-Transparency-and-Consent-Framework"},
	{"cc_cookie", necessary, "CookieConsent (orestbida)", script, "", "https://cookieconsent.orestbida.com/"},
	{"klaro", necessary, "Klaro", script, "", "https://klaro.org/docs/"},
	{"cmplz_#", necessary, "Complianz", script, "", "https://complianz.io/"},
	{"cookieyes-consent", necessary, "CookieYes", script, "", "https://www.cookieyes.com/documentation/"},
	{"borlabs-cookie", necessary, "Borlabs Cookie", script, "", "https://borlabs.io/"},
}
