package knowncookies

// platforms are the cookies and browser-storage keys of the software legacy sites run on
// (content management systems, shops, web frameworks) and of the load balancers, CDNs and
// web application firewalls in front of them. A site cannot work without most of them — a
// login, a cart, a form's CSRF token, the affinity that keeps a visitor on the server that
// holds the session — so blocking them as "undeclared" breaks the site for its owner long
// before a visitor notices anything.
//
// Categories follow what the cookie does for the visitor, in the terms of the Article 29
// Working Party's Opinion 04/2012 on the cookie consent exemption (WP194): authentication,
// session, CSRF, load-balancing and security cookies, and user-interface settings the
// user set themselves, are exempt ("necessary"); conveniences such as remembering form
// entries or recently viewed products are "preferences". Where the Open Cookie Database
// files one of these otherwise, knowncookies_test.go lists the disagreement with its reason.
//
// Every entry names its public source: the platform's documentation, or the source file
// that sets it (read in the platform's own repository, release named where it matters).
var platforms = []Cookie{
	// WordPress core. COOKIEHASH is md5 of the site URL, so most names end in a hash.
	// Over plain HTTP the auth cookie wordpress_<hash> is set for /wp-admin and
	// /wp-content/plugins beside wordpress_logged_in_<hash>; over HTTPS it is
	// wordpress_sec_<hash>. With "Remember me" they last 14 days plus a 12-hour grace period
	// (wp_set_auth_cookie), otherwise the browser session.
	{"wordpress_#", necessary, "WordPress", server, "15d", srcWPConstants},
	{"wordpress_sec_#", necessary, "WordPress", server, "15d", srcWPConstants},
	{"wordpress_logged_in_#", necessary, "WordPress", server, "15d", srcWPConstants},
	{"wordpress_test_cookie", necessary, "WordPress", server, "session", srcWPLogin},
	{"wordpress_rec_#", necessary, "WordPress", server, "1w", srcWPRecovery},
	{"wordpressuser_#", necessary, "WordPress", server, "", srcWPPluggable},
	{"wordpresspass_#", necessary, "WordPress", server, "", srcWPPluggable},
	{"wp-settings-#", necessary, "WordPress", server, "1y", srcWPSettings},
	{"wp-settings-time-#", necessary, "WordPress", server, "1y", srcWPSettings},
	{"wp-postpass_#", necessary, "WordPress", server, "10d", srcWPLogin},
	{"wp_lang", necessary, "WordPress", server, "session", srcWPLogin},
	{"wp-resetpass-#", necessary, "WordPress", server, "session", srcWPLogin},
	{"wp-activate-#", necessary, "WordPress", server, "session", "WordPress wp-activate.php"},
	{"wp-saving-post", necessary, "WordPress", server, "1d", "WordPress wp-admin/post.php and wp-includes/js/autosave.js"},
	// A commenter's details, set only when they tick the comment form's "Save my name,
	// email, and website in this browser for the next time I comment" (wp-comments-post.php
	// passes that box to wp_set_comment_cookies, which otherwise deletes them): a setting the
	// visitor explicitly asked for, exempt by WP194 §3.6 (necessary). WordPress also relies
	// on them to show the author their comment awaiting moderation after that box is ticked.
	{"comment_author_#", necessary, "WordPress", server, "347d", srcWPComment},
	{"comment_author_email_#", necessary, "WordPress", server, "347d", srcWPComment},
	{"comment_author_url_#", necessary, "WordPress", server, "347d", srcWPComment},
	// The block editor's storage: its preferences and their local backup, the data
	// store's persistence, the per-post backup of unsaved work, and the probes that test
	// whether storage works at all (a failed probe switches the editor to memory).
	{"WP_DATA_USER_#", necessary, "WordPress", storage, "", "WordPress wp-includes/script-loader.php (wp_default_packages_inline_scripts)"},
	{"WP_DATA", necessary, "WordPress", storage, "", srcWPDataPersistence},
	{"WP_PREFERENCES_USER_#", necessary, "WordPress", storage, "", srcWPPreferences},
	{"WP_PREFERENCES_RESTORE_DATA", necessary, "WordPress", storage, "", srcWPPreferences},
	{"__wpDataTestLocalStorage", necessary, "WordPress", storage, "", srcWPDataPersistence},
	{"__wpEditorTestSessionStorage", necessary, "WordPress", storage, "session", srcWPEditorAutosave},
	{"wp-autosave-#", necessary, "WordPress", storage, "session", srcWPEditorAutosave + "; wp-includes/js/autosave.js"},
	{"wp-test", necessary, "WordPress", storage, "session", "WordPress wp-includes/js/autosave.js"},
	{"wp-api-schema-model*", necessary, "WordPress", storage, "session", "WordPress wp-includes/js/wp-api.js"},

	// WooCommerce: the cart and the customer's session (a cart survives 48 hours), the
	// cart fragments script's storage, and widget memories.
	{"woocommerce_cart_hash", necessary, "WooCommerce", server, "session", srcWooCookies},
	{"woocommerce_items_in_cart", necessary, "WooCommerce", server, "session", srcWooCookies},
	{"wp_woocommerce_session_#", necessary, "WooCommerce", server, "2d", srcWooCookies},
	{"woocommerce_recently_viewed", preferences, "WooCommerce", server, "session", srcWooCookies},
	{"store_notice*", preferences, "WooCommerce", script, "session", srcWooCookies},
	{"wc_cart_hash_#", necessary, "WooCommerce", storage, "", srcWooFragments},
	{"wc_fragments_#", necessary, "WooCommerce", storage, "session", srcWooFragments},
	{"wc_cart_created", necessary, "WooCommerce", storage, "session", srcWooFragments},
	{"wc", necessary, "WooCommerce", storage, "", srcWooFragments + " (the storage probe)"},
	// Order attribution (WooCommerce 8.5+) reports where a buyer came from: statistics.
	{"sbjs_*", statistics, "WooCommerce", script, "", "https://woocommerce.com/document/order-attribution-tracking/"},

	// Drupal. The session cookie is SESS (SSESS over HTTPS) and 32 hex digits of a hash
	// of the cookie domain. Drupal.visitor.* cookies are what modules remember about an
	// anonymous visitor, such as the comment form's name and e-mail (user_cookie_save).
	{"SESS#", necessary, "Drupal", server, "", srcDrupalSession},
	{"SSESS#", necessary, "Drupal", server, "", srcDrupalSession},
	{"Drupal.visitor.*", preferences, "Drupal", server, "1y", "Drupal core/modules/user/user.module (user_cookie_save)"},
	{"has_js", necessary, "Drupal", script, "session", "Drupal 7 misc/drupal.js"},
	// The administration toolbar's state: a cookie in Drupal 7, localStorage since 8.
	{"Drupal.toolbar.*", necessary, "Drupal", script, "", "Drupal core/modules/toolbar/js (Drupal 8+), modules/toolbar/toolbar.js (Drupal 7)"},
	{"Drupal.tableDrag.showWeight", necessary, "Drupal", storage, "", "Drupal core/misc/tabledrag.js"},

	// Joomla. The session cookie's name is 32 hex digits of an md5 hash, which no pattern
	// can tell from other names; it is the same on every request of one site, so declare
	// that exact name in the policy (`caddy cookie-consent draft` proposes it).
	{"joomla_user_state", necessary, "Joomla", server, "session", "Joomla plugins/user/joomla (onUserLogin)"},
	{"joomla_remember_me_#", necessary, "Joomla", server, "60d", "Joomla plugins/authentication/cookie (Remember Me)"},

	// Magento 2 / Adobe Commerce (and the Magento 1 session names). Customer data lives
	// in localStorage under mage-cache-storage; its cookies tell the page cache and the
	// browser when that data is stale.
	{"frontend", necessary, "Magento", server, "", srcMagento1},
	{"frontend_cid", necessary, "Magento", server, "", srcMagento1},
	{"adminhtml", necessary, "Magento", server, "", srcMagento1},
	{"admin", necessary, "Magento", server, "session", srcMagento},
	{"form_key", necessary, "Magento", server, "", srcMagento},
	{"mage-cache-sessid", necessary, "Magento", script, "session", srcMagento},
	{"mage-cache-storage", necessary, "Magento", storage, "", srcMagento},
	{"mage-cache-storage-section-invalidation", necessary, "Magento", storage, "", srcMagento},
	{"mage-cache-timeout", necessary, "Magento", storage, "", srcMagento},
	{"mage-messages", necessary, "Magento", server, "", srcMagento},
	{"mage-translation-storage", necessary, "Magento", storage, "", srcMagento},
	{"mage-translation-file-version", necessary, "Magento", storage, "", srcMagento},
	{"private_content_version", necessary, "Magento", server, "", srcMagento},
	{"section_data_ids", necessary, "Magento", script, "session", srcMagento},
	{"X-Magento-Vary", necessary, "Magento", server, "", srcMagento},
	{"store", necessary, "Magento", server, "", srcMagento},
	{"login_redirect", necessary, "Magento", server, "session", srcMagento},
	{"persistent_shopping_cart", necessary, "Magento", server, "", srcMagento},
	{"guest-view", necessary, "Magento", server, "", srcMagento},
	{"add_to_cart", necessary, "Magento", script, "session", srcMagento},
	{"user_allowed_save_cookie", necessary, "Magento", server, "", srcMagento},
	{"stf", preferences, "Magento", server, "session", srcMagento},
	{"product_data_storage", preferences, "Magento", storage, "", srcMagento},
	{"recently_viewed_product", preferences, "Magento", storage, "", srcMagento},
	{"recently_viewed_product_previous", preferences, "Magento", storage, "", srcMagento},
	{"recently_compared_product", preferences, "Magento", storage, "", srcMagento},
	{"recently_compared_product_previous", preferences, "Magento", storage, "", srcMagento},

	// TYPO3: frontend and backend sessions, the install tool's session, the request-token
	// nonce of login forms (TYPO3 12+, __Secure- prefixed over HTTPS) and the backend
	// login provider last used.
	{"fe_typo_user", necessary, "TYPO3", server, "session", srcTYPO3},
	{"be_typo_user", necessary, "TYPO3", server, "session", srcTYPO3},
	{"Typo3InstallTool", necessary, "TYPO3", server, "session", "TYPO3 typo3/sysext/install/Classes/Service/SessionService.php"},
	{"typo3nonce_#", necessary, "TYPO3", server, "session", srcTYPO3Nonce},
	{"__Secure-typo3nonce_#", necessary, "TYPO3", server, "session", srcTYPO3Nonce},
	{"be_lastLoginProvider", necessary, "TYPO3", server, "", srcTYPO3},

	// PHP's default session name (session.name).
	{"PHPSESSID", necessary, "PHP", server, "session", "https://www.php.net/manual/en/session.configuration.php#ini.session.name"},

	// Java servlet containers: the session cookie of the Servlet specification, and
	// Tomcat's single sign-on valve.
	{"JSESSIONID", necessary, "Java servlet container", server, "session", "Jakarta Servlet 6.0 specification §7.1.1 (session tracking cookie)"},
	{"JSESSIONIDSSO", necessary, "Java servlet container", server, "session", "https://tomcat.apache.org/tomcat-10.1-doc/config/valve.html#Single_Sign_On_Valve"},

	// ASP.NET (.NET Framework): session state, forms authentication, role and anonymous
	// identification, the anti-forgery token, and OWIN / Identity 2 cookies.
	{"ASP.NET_SessionId", necessary, "ASP.NET", server, "session", "https://learn.microsoft.com/en-us/dotnet/api/system.web.configuration.sessionstatesection.cookiename"},
	{".ASPXAUTH", necessary, "ASP.NET", server, "", "https://learn.microsoft.com/en-us/dotnet/api/system.web.configuration.formsauthenticationconfiguration.name"},
	{".ASPXROLES", necessary, "ASP.NET", server, "", "https://learn.microsoft.com/en-us/dotnet/api/system.web.configuration.rolemanagersection.cookiename"},
	{".ASPXANONYMOUS", necessary, "ASP.NET", server, "", "https://learn.microsoft.com/en-us/dotnet/api/system.web.configuration.anonymousidentificationsection.cookiename"},
	{"__RequestVerificationToken", necessary, "ASP.NET", server, "session", srcAspNetAntiForgery},
	{"__RequestVerificationToken_#", necessary, "ASP.NET", server, "session", srcAspNetAntiForgery},
	{".AspNet.ApplicationCookie", necessary, "ASP.NET", server, "", srcOwinCookies},
	{".AspNet.ExternalCookie", necessary, "ASP.NET", server, "session", srcOwinCookies},
	{".AspNet.TwoFactorCookie", necessary, "ASP.NET", server, "session", srcOwinCookies},
	{".AspNet.TwoFactorRememberBrowser", necessary, "ASP.NET", server, "", srcOwinCookies},

	// ASP.NET Core. Authentication cookies too large for one cookie are split by the
	// ChunkingCookieManager into <name>C1, <name>C2, ..., hence the prefix patterns.
	{".AspNetCore.Session", necessary, "ASP.NET Core", server, "session", "https://learn.microsoft.com/en-us/aspnet/core/fundamentals/app-state#session-options"},
	{".AspNetCore.Cookies*", necessary, "ASP.NET Core", server, "", srcAspNetCoreCookies},
	{".AspNetCore.Identity.Application*", necessary, "ASP.NET Core", server, "14d", srcAspNetCoreIdentity},
	{".AspNetCore.Identity.External*", necessary, "ASP.NET Core", server, "session", srcAspNetCoreIdentity},
	{".AspNetCore.Identity.TwoFactorUserId", necessary, "ASP.NET Core", server, "session", srcAspNetCoreIdentity},
	{".AspNetCore.Identity.TwoFactorRememberMe", necessary, "ASP.NET Core", server, "14d", srcAspNetCoreIdentity},
	{".AspNetCore.Antiforgery.#", necessary, "ASP.NET Core", server, "session", "https://learn.microsoft.com/en-us/aspnet/core/security/anti-request-forgery"},
	{".AspNetCore.Correlation.*", necessary, "ASP.NET Core", server, "15min", srcAspNetCoreRemoteAuth},
	{".AspNetCore.OpenIdConnect.Nonce.*", necessary, "ASP.NET Core", server, "15min", srcAspNetCoreRemoteAuth},
	{".AspNetCore.Mvc.CookieTempDataProvider", necessary, "ASP.NET Core", server, "session", "https://learn.microsoft.com/en-us/aspnet/core/fundamentals/app-state#tempdata"},
	{".AspNetCore.Consent", necessary, "ASP.NET Core", server, "1y", "https://learn.microsoft.com/en-us/aspnet/core/security/gdpr"},
	{".AspNetCore.Culture", preferences, "ASP.NET Core", server, "1y", "https://learn.microsoft.com/en-us/aspnet/core/fundamentals/localization/select-language-culture#cookierequestcultureprovider"},

	// Laravel. The session cookie is named after the application (APP_NAME, slugged, then
	// _session); only the default name is listed, because a pattern "#_session" would let
	// any tracker of that shape through as necessary. Declare a renamed one in the policy.
	{"laravel_session", necessary, "Laravel", server, "2h", srcLaravelSession},
	{"XSRF-TOKEN", necessary, "Laravel / Angular", server, "2h", "https://laravel.com/docs/csrf#csrf-x-xsrf-token"},
	{"remember_web_#", necessary, "Laravel", server, "400d", "https://laravel.com/docs/authentication#remembering-users (Illuminate\\Auth\\SessionGuard::getRecallerName)"},

	// Django: settings SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, LANGUAGE_COOKIE_NAME, and the
	// cookie storage of django.contrib.messages.
	{"sessionid", necessary, "Django", server, "14d", srcDjangoSettings},
	{"csrftoken", necessary, "Django", server, "1y", srcDjangoSettings},
	{"django_language", preferences, "Django", server, "session", srcDjangoSettings},
	{"messages", necessary, "Django", server, "session", "https://docs.djangoproject.com/en/stable/ref/contrib/messages/#django.contrib.messages.storage.cookie.CookieStorage"},

	// Ruby on Rails: Devise's "remember me" cookie. The session cookie is
	// _<application>_session; as with Laravel no pattern lists it, because "_#_session"
	// also matches analytics cookies (Parse.ly's _parsely_session), so declare it.
	{"remember_user_token", necessary, "Ruby on Rails (Devise)", server, "14d", "https://github.com/heartcombo/devise (Devise::Models::Rememberable, remember_for 2 weeks)"},

	// Express: express-session's and cookie-session's default names, csurf's secret.
	{"connect.sid", necessary, "Express", server, "session", "https://expressjs.com/en/resources/middleware/session.html (name option)"},
	{"session", necessary, "Express", server, "session", srcExpressCookieSession},
	{"session.sig", necessary, "Express", server, "session", srcExpressCookieSession},
	{"express:sess", necessary, "Express", server, "session", srcExpressCookieSession + " (before 2.0)"},
	{"express:sess.sig", necessary, "Express", server, "session", srcExpressCookieSession + " (before 2.0)"},
	{"_csrf", necessary, "Express", server, "session", "https://github.com/expressjs/csurf (cookie option)"},

	// AWS Elastic Load Balancing stickiness: ALB duration-based (AWSALB, AWSALBCORS),
	// target-group (AWSALBTG*), application-based (AWSALBAPP-0 to -3) and Classic ELB.
	{"AWSALB*", necessary, "AWS Elastic Load Balancing", server, "7d", "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html"},
	{"AWSELB", necessary, "AWS Elastic Load Balancing", server, "session", srcAWSClassic},
	{"AWSELBCORS", necessary, "AWS Elastic Load Balancing", server, "session", srcAWSClassic},

	// F5 BIG-IP: LTM cookie persistence (BIGipServer<pool>) and the Advanced WAF / ASM
	// cookies: the main cookie TS followed by 8 hexadecimal digits, its frame and feature
	// variants (TS<hex>_<n>, TS<hex>d) and the proactive bot defense cookies TSPD_*.
	// "TS#" is broad; an exact name or a longer pattern in the policy still wins.
	{"BIGipServer#", necessary, "F5 BIG-IP", server, "session", "https://my.f5.com/manage/s/article/K83419154 (cookie persistence)"},
	{"TS#", necessary, "F5 BIG-IP ASM", server, "session", srcF5ASM},
	{"TSPD_#", necessary, "F5 BIG-IP ASM", server, "session", srcF5ASM},

	// Citrix NetScaler (ADC): cookie-insertion persistence NSC_<encoded vserver name>, and
	// the Web App Firewall's session cookie.
	{"NSC_#", necessary, "Citrix NetScaler", server, "session", "https://docs.netscaler.com/en-us/citrix-adc/current-release/load-balancing/load-balancing-persistence/cookie-insertion-persistence.html"},
	{"citrix_ns_id", necessary, "Citrix NetScaler", server, "session", "https://docs.netscaler.com/en-us/citrix-adc/current-release/application-firewall/"},

	// Imperva (Incapsula) cloud WAF: the visitor and session identifiers the WAF ties its
	// security decisions to, the load-balancer cookie, and the bot-protection cookies.
	{"visid_incap_#", necessary, "Imperva", server, "1y", srcImperva},
	{"incap_ses_#", necessary, "Imperva", server, "session", srcImperva},
	{"nlbi_#", necessary, "Imperva", server, "session", srcImperva},
	{"___utmvc", necessary, "Imperva", script, "session", srcImperva},
	{"reese84", necessary, "Imperva", script, "", srcImperva + " (Advanced Bot Protection)"},

	// Akamai Bot Manager and Visitor Prioritization (waiting room).
	{"_abck", necessary, "Akamai", server, "", srcAkamaiBot},
	{"ak_bmsc", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_sv", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_sz", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_mi", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_so", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_s", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_ss", necessary, "Akamai", server, "", srcAkamaiBot},
	{"bm_lso", necessary, "Akamai", server, "", srcAkamaiBot},
	{"sbsd", necessary, "Akamai", server, "", srcAkamaiBot},
	{"sbsd_o", necessary, "Akamai", server, "", srcAkamaiBot},
	{"akavpau_#", necessary, "Akamai", server, "session", "https://techdocs.akamai.com/property-mgr/docs/visitor-prioritization-cloudlet"},

	// Microsoft Azure: App Service ARR affinity, Application Gateway and Front Door
	// session affinity.
	{"ARRAffinity", necessary, "Azure App Service", server, "session", srcAzureAppService},
	{"ARRAffinitySameSite", necessary, "Azure App Service", server, "session", srcAzureAppService},
	{"ApplicationGatewayAffinity", necessary, "Azure Application Gateway", server, "session", srcAzureAppGateway},
	{"ApplicationGatewayAffinityCORS", necessary, "Azure Application Gateway", server, "session", srcAzureAppGateway},
	{"ASLBSA", necessary, "Azure Front Door", server, "session", "https://learn.microsoft.com/en-us/azure/frontdoor/routing-methods#session-affinity"},
	{"ASLBSACORS", necessary, "Azure Front Door", server, "session", "https://learn.microsoft.com/en-us/azure/frontdoor/routing-methods#session-affinity"},

	// Google Cloud Load Balancing's generated-cookie affinity; the Kubernetes
	// ingress-nginx controller's affinity cookie (its default name).
	{"GCLB", necessary, "Google Cloud Load Balancing", server, "session", "https://cloud.google.com/load-balancing/docs/backend-service#generated_cookie_affinity"},
	{"INGRESSCOOKIE", necessary, "Kubernetes ingress-nginx", server, "session", "https://kubernetes.github.io/ingress-nginx/examples/affinity/cookie/"},

	// SAP NetWeaver: the Web Dispatcher's load balancing (saplb_<logon group>), the SSO
	// logon ticket, the ABAP session and security-session cookies, and the context id of
	// stateful ICF services.
	{"saplb_*", necessary, "SAP", server, "session", "https://help.sap.com/docs/ABAP_PLATFORM_NEW/683d6a1797a34730a6e005d1e8de6f22/48a0d36b0d1c3e46e10000000a42189b.html (SAP Web Dispatcher load balancing)"},
	{"MYSAPSSO2", necessary, "SAP", server, "session", "https://help.sap.com/docs/SAP_NETWEAVER_750/e815bb97839a4d83be6c4fca48ee5777/4d9ab5a0b5f43a37e10000000a42189c.html (SAP logon tickets)"},
	{"SAP_SESSIONID_#", necessary, "SAP", server, "session", srcSAPSession},
	{"sap-usercontext", necessary, "SAP", server, "session", srcSAPSession},
	{"sap-contextid", necessary, "SAP", server, "session", srcSAPSession},
	{"sap-XSRF_#", necessary, "SAP", server, "session", srcSAPSession},
	{"JSESSIONMARKID", necessary, "SAP", server, "session", "SAP NetWeaver AS Java (HTTP session failover marker)"},
	{"com.sap.engine.security.authentication.original_application_url", necessary, "SAP", server, "session", "SAP NetWeaver AS Java (logon redirect)"},
}

// Sources shared by several entries above.
const (
	srcWPConstants       = "https://wordpress.org/documentation/article/wordpress-cookies/; WordPress wp-includes/default-constants.php (wp_cookie_constants) and pluggable.php (wp_set_auth_cookie)"
	srcWPPluggable       = "WordPress wp-includes/pluggable.php (wp_clear_auth_cookie expires these pre-2.5 names)"
	srcWPLogin           = "WordPress wp-login.php"
	srcWPRecovery        = "WordPress wp-includes/class-wp-recovery-mode-cookie-service.php"
	srcWPSettings        = "https://wordpress.org/documentation/article/wordpress-cookies/; WordPress wp-includes/option.php (wp_set_all_user_settings) and js/utils.js"
	srcWPComment         = "https://wordpress.org/documentation/article/wordpress-cookies/; WordPress wp-includes/comment.php (wp_set_comment_cookies)"
	srcWPDataPersistence = "WordPress @wordpress/data plugins/persistence (wp-includes/js/dist/data.js)"
	srcWPPreferences     = "WordPress @wordpress/preferences-persistence (wp-includes/js/dist/preferences-persistence.js)"
	srcWPEditorAutosave  = "WordPress @wordpress/editor store/local-autosave (wp-includes/js/dist/editor.js)"

	srcWooCookies   = "https://woocommerce.com/document/woocommerce-cookies/"
	srcWooFragments = "WooCommerce assets/js/frontend/cart-fragments.js and includes/class-wc-frontend-scripts.php"

	srcDrupalSession = "Drupal core/lib/Drupal/Core/Session/SessionConfiguration.php (getName)"
	srcMagento       = "https://experienceleague.adobe.com/en/docs/commerce-admin/start/compliance/privacy/compliance-cookie-law"
	srcMagento1      = "https://docs.magento.com/m1/ce/user_guide/store-operations/cookie-usage.html (Magento 1 cookie reference)"
	srcTYPO3         = "https://docs.typo3.org/permalink/t3coreapi:cookies (TYPO3 Core API: Cookies)"
	srcTYPO3Nonce    = "https://docs.typo3.org/permalink/t3coreapi:request-token (request tokens and their nonce cookies)"

	srcAspNetAntiForgery    = "https://learn.microsoft.com/en-us/aspnet/web-api/overview/security/preventing-cross-site-request-forgery-csrf-attacks"
	srcOwinCookies          = "https://learn.microsoft.com/en-us/previous-versions/aspnet/dn451970(v=vs.113) (Microsoft.AspNet.Identity DefaultAuthenticationTypes)"
	srcAspNetCoreCookies    = "https://learn.microsoft.com/en-us/aspnet/core/security/authentication/cookie (CookieAuthenticationDefaults.CookiePrefix + scheme, chunked by ChunkingCookieManager)"
	srcAspNetCoreIdentity   = "https://learn.microsoft.com/en-us/aspnet/core/security/authentication/identity-configuration#cookie-settings (IdentityConstants)"
	srcAspNetCoreRemoteAuth = "https://learn.microsoft.com/en-us/aspnet/core/security/authentication/social/ (RemoteAuthenticationOptions.CorrelationCookie, OpenIdConnectOptions.NonceCookie)"

	srcLaravelSession       = "https://laravel.com/docs/session#configuration (config/session.php cookie)"
	srcDjangoSettings       = "https://docs.djangoproject.com/en/stable/ref/settings/ (SESSION_COOKIE_NAME, CSRF_COOKIE_NAME, LANGUAGE_COOKIE_NAME)"
	srcExpressCookieSession = "https://expressjs.com/en/resources/middleware/cookie-session.html (name option)"

	srcAWSClassic      = "https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-sticky-sessions.html"
	srcF5ASM           = "https://my.f5.com/manage/s/article/K6850 (Overview of BIG-IP ASM cookies)"
	srcImperva         = "https://docs.imperva.com/bundle/cloud-application-security/page/settings/cookies.htm (Cookies used by Imperva)"
	srcAkamaiBot       = "https://techdocs.akamai.com/bot-manager/docs/cookies-bot-manager (Bot Manager cookies)"
	srcAzureAppService = "https://learn.microsoft.com/en-us/azure/app-service/configure-common#configure-general-settings (session affinity)"
	srcAzureAppGateway = "https://learn.microsoft.com/en-us/azure/application-gateway/configuration-http-settings#cookie-based-affinity"
	srcSAPSession      = "https://help.sap.com/docs/ABAP_PLATFORM_NEW/753088fc00704d0a80e7fbd6803c8adb/48b6a1d8a7d47b10e10000000a42189c.html (ICF session management, security sessions)"
)
