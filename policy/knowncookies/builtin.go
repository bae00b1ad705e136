package knowncookies

// Builtin returns the built-in list of well-known cookies. Each call returns a fresh
// copy, so a caller may sort, filter or append to it without affecting other callers.
func Builtin() []Cookie {
	out := make([]Cookie, len(builtin))
	copy(out, builtin)
	return out
}

// builtin is written from the vendors' own public descriptions of their cookies.
//
// Where a vendor files a cookie under "security" or "required" on its own domain but the
// cookie only ever reaches a visitor through that vendor's advertising or social
// embeds on someone else's site (LinkedIn's bcookie, Meta's datr, Yandex's yandexuid),
// it is classed with the embed that brings it. On the embedding site it serves no need
// of that site, and a wrong "necessary" would let a tracker through without consent,
// whereas a wrong "marketing" only holds something back.
//
// Plausible Analytics sets no cookies and therefore has no entry.
var builtin = []Cookie{
	// Google Analytics (analytics.js, gtag.js and the legacy ga.js / urchin cookies).
	// _gac_<property> carries Google Ads campaign data for conversion import, so it
	// counts as marketing although Analytics sets it.
	{"_ga", statistics, "Google Analytics"},
	{"_ga_#", statistics, "Google Analytics"},
	{"_gid", statistics, "Google Analytics"},
	{"_gat", statistics, "Google Analytics"},
	{"_gat_#", statistics, "Google Analytics"},
	{"_dc_gtm_#", statistics, "Google Analytics"},
	{"_gac_#", marketing, "Google Analytics"},
	{"AMP_TOKEN", statistics, "Google Analytics"},
	{"__utma", statistics, "Google Analytics"},
	{"__utmb", statistics, "Google Analytics"},
	{"__utmc", statistics, "Google Analytics"},
	{"__utmt", statistics, "Google Analytics"},
	{"__utmv", statistics, "Google Analytics"},
	{"__utmz", statistics, "Google Analytics"},
	{"_gaexp", statistics, "Google Optimize"},

	// Google Ads, Campaign Manager / DoubleClick and AdSense / Ad Manager.
	// _gcl_ls is a browser-storage key rather than a cookie; it is listed so that
	// storage writes can be classified with the same list.
	{"_gcl_au", marketing, "Google Ads"},
	{"_gcl_aw", marketing, "Google Ads"},
	{"_gcl_dc", marketing, "Google Ads"},
	{"_gcl_gb", marketing, "Google Ads"},
	{"_gcl_ls", marketing, "Google Ads"},
	{"IDE", marketing, "Google DoubleClick"},
	{"test_cookie", marketing, "Google DoubleClick"},
	{"DSID", marketing, "Google DoubleClick"},
	{"__gads", marketing, "Google AdSense"},
	{"__gpi", marketing, "Google AdSense"},
	{"NID", marketing, "Google"},
	{"ANID", marketing, "Google"},

	// Google Tag Manager server-side tagging, first-party cookies set by the tagging
	// server: FP* for Analytics are statistics, those for Ads / Floodlight marketing.
	{"FPID", statistics, "Google Tag Manager"},
	{"FPLC", statistics, "Google Tag Manager"},
	{"FPGSID", statistics, "Google Tag Manager"},
	{"FPAU", marketing, "Google Tag Manager"},
	{"FPGCLAW", marketing, "Google Tag Manager"},
	{"FPGCLDC", marketing, "Google Tag Manager"},
	{"FPGCLGB", marketing, "Google Tag Manager"},

	// Google reCAPTCHA: bot protection for forms.
	{"_GRECAPTCHA", necessary, "Google reCAPTCHA"},

	// YouTube and Vimeo embeds.
	{"VISITOR_INFO1_LIVE", marketing, "YouTube"},
	{"YSC", marketing, "YouTube"},
	{"vuid", statistics, "Vimeo"},

	// Meta (Facebook / Instagram) pixel and plugins. datr is Meta's browser-integrity
	// cookie on facebook.com; see the note above the list.
	{"_fbp", marketing, "Meta"},
	{"_fbc", marketing, "Meta"},
	{"fr", marketing, "Meta"},
	{"datr", marketing, "Meta"},

	// Hotjar. The survey and feedback-widget cookies only remember the widget's state.
	{"_hjSessionUser_#", statistics, "Hotjar"},
	{"_hjSession_#", statistics, "Hotjar"},
	{"_hjid", statistics, "Hotjar"},
	{"_hjFirstSeen", statistics, "Hotjar"},
	{"_hjIncludedInSessionSample", statistics, "Hotjar"},
	{"_hjIncludedInSessionSample_#", statistics, "Hotjar"},
	{"_hjIncludedInPageviewSample", statistics, "Hotjar"},
	{"_hjAbsoluteSessionInProgress", statistics, "Hotjar"},
	{"_hjTLDTest", statistics, "Hotjar"},
	{"_hjLocalStorageTest", statistics, "Hotjar"},
	{"_hjSessionStorageTest", statistics, "Hotjar"},
	{"_hjCachedUserAttributes", statistics, "Hotjar"},
	{"_hjUserAttributesHash", statistics, "Hotjar"},
	{"_hjViewportId", statistics, "Hotjar"},
	{"_hjRecordingEnabled", statistics, "Hotjar"},
	{"_hjRecordingLastActivity", statistics, "Hotjar"},
	{"_hjSessionRejected", statistics, "Hotjar"},
	{"_hjSessionResumed", statistics, "Hotjar"},
	{"_hjSessionTooLarge", statistics, "Hotjar"},
	{"_hjClosedSurveyInvites", preferences, "Hotjar"},
	{"_hjDonePolls", preferences, "Hotjar"},
	{"_hjMinimizedPolls", preferences, "Hotjar"},
	{"_hjShownFeedbackMessage", preferences, "Hotjar"},

	// Matomo (formerly Piwik). Tracker cookies are named _pk_<kind>.<site id>.<domain
	// hash>. MATOMO_SESSID / PIWIK_SESSID are sessions of the Matomo application and
	// its opt-out form; the mtm_* cookies store the visitor's consent or refusal.
	{"_pk_id.#", statistics, "Matomo"},
	{"_pk_ses.#", statistics, "Matomo"},
	{"_pk_ref.#", statistics, "Matomo"},
	{"_pk_cvar.#", statistics, "Matomo"},
	{"_pk_hsr.#", statistics, "Matomo"},
	{"_pk_testcookie", statistics, "Matomo"},
	{"_pk_testcookie.#", statistics, "Matomo"},
	{"MATOMO_SESSID", necessary, "Matomo"},
	{"PIWIK_SESSID", necessary, "Matomo"},
	{"mtm_consent", necessary, "Matomo"},
	{"mtm_consent_removed", necessary, "Matomo"},
	{"mtm_cookie_consent", necessary, "Matomo"},

	// Microsoft Clarity, and the Microsoft advertising identifiers it syncs (MUID is
	// also the Microsoft Advertising / Bing browser id).
	{"_clck", statistics, "Microsoft Clarity"},
	{"_clsk", statistics, "Microsoft Clarity"},
	{"CLID", statistics, "Microsoft Clarity"},
	{"MUID", marketing, "Microsoft"},
	{"ANONCHK", marketing, "Microsoft"},
	{"MR", marketing, "Microsoft"},
	{"SM", marketing, "Microsoft"},

	// Microsoft Application Insights (Azure Monitor) browser SDK.
	{"ai_user", statistics, "Microsoft Application Insights"},
	{"ai_session", statistics, "Microsoft Application Insights"},
	{"ai_authUser", statistics, "Microsoft Application Insights"},

	// Microsoft Advertising (Bing) Universal Event Tracking.
	{"_uetsid", marketing, "Microsoft Advertising"},
	{"_uetvid", marketing, "Microsoft Advertising"},
	{"_uetmsclkid", marketing, "Microsoft Advertising"},

	// LinkedIn Insight Tag and embeds; li_gc stores a guest's cookie choice.
	{"li_sugr", marketing, "LinkedIn"},
	{"li_fat_id", marketing, "LinkedIn"},
	{"UserMatchHistory", marketing, "LinkedIn"},
	{"lms_ads", marketing, "LinkedIn"},
	{"bcookie", marketing, "LinkedIn"},
	{"bscookie", marketing, "LinkedIn"},
	{"lidc", marketing, "LinkedIn"},
	{"AnalyticsSyncHistory", statistics, "LinkedIn"},
	{"lms_analytics", statistics, "LinkedIn"},
	{"lang", preferences, "LinkedIn"},
	{"li_gc", necessary, "LinkedIn"},

	// HubSpot, in the categories HubSpot itself documents: visitor analytics, the chat
	// widget's memory (functional), and the cookies its consent banner, memberships and
	// password-protected pages need.
	{"__hstc", statistics, "HubSpot"},
	{"hubspotutk", statistics, "HubSpot"},
	{"__hssc", statistics, "HubSpot"},
	{"__hssrc", statistics, "HubSpot"},
	{"messagesUtk", preferences, "HubSpot"},
	{"__hs_opt_out", necessary, "HubSpot"},
	{"__hs_do_not_track", necessary, "HubSpot"},
	{"__hs_initial_opt_in", necessary, "HubSpot"},
	{"hs_ab_test", necessary, "HubSpot"},
	{"hs-messages-is-open", necessary, "HubSpot"},
	{"hs-messages-hide-welcome-message", necessary, "HubSpot"},
	{"__hsmem", necessary, "HubSpot"},
	{"hs-membership-csrf", necessary, "HubSpot"},
	{"hs_langswitcher_choice", necessary, "HubSpot"},

	// TikTok pixel. tt_* also covers the pixel's storage keys (tt_appInfo,
	// tt_sessionId, tt_pixel_session_index).
	{"_ttp", marketing, "TikTok"},
	{"_tt_enable_cookie", marketing, "TikTok"},
	{"tt_*", marketing, "TikTok"},
	{"ttcsid", marketing, "TikTok"},
	{"ttcsid_#", marketing, "TikTok"},

	// Yandex Metrica. The yandex.* domain cookies it relies on belong to Yandex's
	// advertising identity (yabs = Yandex advertising), see the note above the list.
	{"_ym_uid", statistics, "Yandex Metrica"},
	{"_ym_d", statistics, "Yandex Metrica"},
	{"_ym_isad", statistics, "Yandex Metrica"},
	{"_ym_visorc", statistics, "Yandex Metrica"},
	{"_ym_metrika_enabled", statistics, "Yandex Metrica"},
	{"yandexuid", marketing, "Yandex"},
	{"yuidss", marketing, "Yandex"},
	{"ymex", marketing, "Yandex"},
	{"yabs-sid", marketing, "Yandex"},

	// X (Twitter) pixel and embeds; _twclid is the pixel's first-party click id.
	{"personalization_id", marketing, "X"},
	{"muc_ads", marketing, "X"},
	{"guest_id", marketing, "X"},
	{"guest_id_ads", marketing, "X"},
	{"guest_id_marketing", marketing, "X"},
	{"_twclid", marketing, "X"},

	// Pinterest tag.
	{"_pinterest_ct_ua", marketing, "Pinterest"},
	{"_pinterest_ct", marketing, "Pinterest"},
	{"_pinterest_ct_rt", marketing, "Pinterest"},
	{"_pinterest_sess", marketing, "Pinterest"},
	{"_pin_unauth", marketing, "Pinterest"},
	{"_epik", marketing, "Pinterest"},
	{"_derived_epik", marketing, "Pinterest"},

	// Snap pixel.
	{"_scid", marketing, "Snapchat"},
	{"_scid_r", marketing, "Snapchat"},
	{"_sctr", marketing, "Snapchat"},
	{"_schn", marketing, "Snapchat"},
	{"sc_at", marketing, "Snapchat"},

	// Criteo first-party cookies.
	{"cto_bundle", marketing, "Criteo"},
	{"cto_bidid", marketing, "Criteo"},
	{"cto_lwid", marketing, "Criteo"},

	// Adobe Analytics and the Experience Cloud ID service (AMCV_<org id>), whose id the
	// Analytics beacons carry; Audience Manager (demdex) is Adobe's ad audience product.
	{"s_cc", statistics, "Adobe Analytics"},
	{"s_sq", statistics, "Adobe Analytics"},
	{"s_vi", statistics, "Adobe Analytics"},
	{"s_fid", statistics, "Adobe Analytics"},
	{"s_ecid", statistics, "Adobe Analytics"},
	{"s_ppv", statistics, "Adobe Analytics"},
	{"s_nr", statistics, "Adobe Analytics"},
	{"AMCV_#", statistics, "Adobe Experience Cloud"},
	{"AMCVS_#", statistics, "Adobe Experience Cloud"},
	{"demdex", marketing, "Adobe Audience Manager"},
	{"dextp", marketing, "Adobe Audience Manager"},

	// Mixpanel: the per-project state cookie, and the cookie that stores an opt-out.
	{"mp_#_mixpanel", statistics, "Mixpanel"},
	{"__mp_opt_in_out_#", necessary, "Mixpanel"},

	// Segment analytics.js.
	{"ajs_anonymous_id", statistics, "Segment"},
	{"ajs_user_id", statistics, "Segment"},
	{"ajs_group_id", statistics, "Segment"},

	// Intercom Messenger (chat widget), per app id.
	{"intercom-id-#", preferences, "Intercom"},
	{"intercom-session-#", preferences, "Intercom"},
	{"intercom-device-id-#", preferences, "Intercom"},

	// Cloudflare: bot management, challenges, rate limiting, load balancing, waiting
	// room and Access.
	{"__cf_bm", necessary, "Cloudflare"},
	{"cf_clearance", necessary, "Cloudflare"},
	{"__cflb", necessary, "Cloudflare"},
	{"_cfuvid", necessary, "Cloudflare"},
	{"__cfruid", necessary, "Cloudflare"},
	{"__cfseq-#", necessary, "Cloudflare"},
	{"__cfwaitingroom", necessary, "Cloudflare"},
	{"cf_ob_info", necessary, "Cloudflare"},
	{"cf_use_ob", necessary, "Cloudflare"},
	{"cf_chl_rc_i", necessary, "Cloudflare"},
	{"cf_chl_rc_ni", necessary, "Cloudflare"},
	{"cf_chl_rc_m", necessary, "Cloudflare"},
	{"CF_Authorization", necessary, "Cloudflare"},

	// Stripe fraud prevention on payment pages.
	{"__stripe_mid", necessary, "Stripe"},
	{"__stripe_sid", necessary, "Stripe"},

	// Session, CSRF and load-balancer affinity cookies of common platforms.
	{"PHPSESSID", necessary, "PHP"},
	{"JSESSIONID", necessary, "Java servlet container"},
	{"ASP.NET_SessionId", necessary, "ASP.NET"},
	{"__RequestVerificationToken", necessary, "ASP.NET"},
	{"__RequestVerificationToken_#", necessary, "ASP.NET"},
	{".AspNetCore.Session", necessary, "ASP.NET Core"},
	{".AspNetCore.Cookies", necessary, "ASP.NET Core"},
	{".AspNetCore.Antiforgery.#", necessary, "ASP.NET Core"},
	{"ARRAffinity", necessary, "Azure App Service"},
	{"ARRAffinitySameSite", necessary, "Azure App Service"},
	{"csrftoken", necessary, "Django"},
	{"sessionid", necessary, "Django"},
	{"XSRF-TOKEN", necessary, "Angular / Laravel"},
	{"laravel_session", necessary, "Laravel"},
	{"connect.sid", necessary, "Express"},
	{"_csrf", necessary, "Express"},
	{"AWSALB", necessary, "AWS Elastic Load Balancing"},
	{"AWSALBCORS", necessary, "AWS Elastic Load Balancing"},
	{"AWSALBTG", necessary, "AWS Elastic Load Balancing"},
	{"AWSALBTGCORS", necessary, "AWS Elastic Load Balancing"},
	{"AWSELB", necessary, "AWS Elastic Load Balancing"},

	// WordPress: login and the admin's screen settings.
	{"wordpress_logged_in_#", necessary, "WordPress"},
	{"wordpress_sec_#", necessary, "WordPress"},
	{"wordpress_test_cookie", necessary, "WordPress"},
	{"wp-settings-#", preferences, "WordPress"},
	{"wp-settings-time-#", preferences, "WordPress"},

	// Consent managers' own storage of the visitor's choice, which the law treats as
	// necessary. They matter here when a site moves from one of them to consentgate
	// and old consent cookies are still around.
	{"CookieConsent", necessary, "Cookiebot"},
	{"CookieConsentBulkSetting-#", necessary, "Cookiebot"},
	{"OptanonConsent", necessary, "OneTrust"},
	{"OptanonAlertBoxClosed", necessary, "OneTrust"},
	{"eupubconsent-v2", necessary, "IAB TCF consent string"},
	{"euconsent-v2", necessary, "IAB TCF consent string"},
	{"cc_cookie", necessary, "CookieConsent (orestbida)"},
	{"klaro", necessary, "Klaro"},
	{"cmplz_#", necessary, "Complianz"},
	{"cookieyes-consent", necessary, "CookieYes"},
	{"borlabs-cookie", necessary, "Borlabs Cookie"},
}
