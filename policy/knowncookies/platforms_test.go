package knowncookies

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/consentgate/consentgate/internal/testshared"
)

// TestBuiltinEntriesComplete checks what every built-in entry must say beyond its name:
// how it is set, and where it was read.
func TestBuiltinEntriesComplete(t *testing.T) {
	for _, c := range Builtin() {
		if c.Type != "http" && c.Type != "html" {
			t.Errorf("%q: type %q, want http or html", c.Name, c.Type)
		}
		if strings.TrimSpace(c.Source) == "" {
			t.Errorf("%q (%s) names no public source", c.Name, c.Platform)
		}
	}
}

// TestPlatformsClassify checks the platform entries against names as the platforms
// really write them (taken from their source code and from captured Cookie headers).
func TestPlatformsClassify(t *testing.T) {
	tests := []struct {
		name, category, platform string
	}{
		// WordPress over plain HTTP and HTTPS, with COOKIEHASH = md5(site URL).
		{"wordpress_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wordpress_sec_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wordpress_logged_in_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wordpress_test_cookie", necessary, "WordPress"},
		{"wordpress_rec_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wp-settings-1", necessary, "WordPress"},
		{"wp-settings-time-1", necessary, "WordPress"},
		{"wp-postpass_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"wp_lang", necessary, "WordPress"},
		{"wp-resetpass-1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"comment_author_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"comment_author_email_1eca930428ee9df8af6bdb65c698e531", necessary, "WordPress"},
		{"WP_DATA_USER_1", necessary, "WordPress"},
		{"WP_PREFERENCES_USER_1", necessary, "WordPress"},
		{"__wpDataTestLocalStorage", necessary, "WordPress"},
		{"wp-autosave-1", necessary, "WordPress"},
		{"wp-autosave-block-editor-post-auto-draft", necessary, "WordPress"},
		{"wp-api-schema-modelhttp://example.com/wp-json/wp/v2", necessary, "WordPress"},
		// WooCommerce.
		{"wp_woocommerce_session_1eca930428ee9df8af6bdb65c698e531", necessary, "WooCommerce"},
		{"woocommerce_cart_hash", necessary, "WooCommerce"},
		{"wc_fragments_0e37a8cdd94ea8f2e4fd6e9e0b6eaf9a", necessary, "WooCommerce"},
		{"sbjs_current", statistics, "WooCommerce"},
		// Drupal 7 and 10 session names, a module's visitor cookie, admin toolbar state.
		{"SESS3969c8b8b86a6735bbdf41499ed4dd1c", necessary, "Drupal"},
		{"SSESSbfabc37432958b063360d3ad6461c9c4", necessary, "Drupal"},
		{"Drupal.visitor.name", preferences, "Drupal"},
		{"Drupal.toolbar.trayVerticalLocked", necessary, "Drupal"},
		// Joomla's remember-me cookie (its session cookie has a bare md5 name).
		{"joomla_remember_me_bf2da9a3a077b14a5925756bbb5146ad", necessary, "Joomla"},
		{"joomla_user_state", necessary, "Joomla"},
		// Magento 2.
		{"form_key", necessary, "Magento"},
		{"mage-cache-storage", necessary, "Magento"},
		{"recently_viewed_product", preferences, "Magento"},
		// TYPO3 12 over HTTPS.
		{"fe_typo_user", necessary, "TYPO3"},
		{"__Secure-typo3nonce_B1IYIunIYO3sJ0Q5Lnq7SQ", necessary, "TYPO3"},
		// Frameworks.
		{"PHPSESSID", necessary, "PHP"},
		{"JSESSIONID", necessary, "Java servlet container"},
		{"ASP.NET_SessionId", necessary, "ASP.NET"},
		{".AspNetCore.Identity.Application", necessary, "ASP.NET Core"},
		{".AspNetCore.Identity.ApplicationC1", necessary, "ASP.NET Core"}, // a chunk
		{".AspNetCore.Correlation.oidc.xyz", necessary, "ASP.NET Core"},
		{"laravel_session", necessary, "Laravel"},
		{"remember_web_59ba36addc2b2f9401580f014c7f58ea4e30989d", necessary, "Laravel"},
		{"csrftoken", necessary, "Django"},
		{"remember_user_token", necessary, "Ruby on Rails (Devise)"},
		{"connect.sid", necessary, "Express"},
		// In front of them.
		{"AWSALBAPP-0", necessary, "AWS Elastic Load Balancing"},
		{"AWSALBTGCORS", necessary, "AWS Elastic Load Balancing"},
		{"BIGipServerpool_www_80", necessary, "F5 BIG-IP"},
		{"TS01e88579", necessary, "F5 BIG-IP ASM"}, // from the Fora seed
		{"TS01e88579_28", necessary, "F5 BIG-IP ASM"},
		{"TSPD_101", necessary, "F5 BIG-IP ASM"},
		{"NSC_wtfswfs_xxx", necessary, "Citrix NetScaler"},
		{"visid_incap_2462341", necessary, "Imperva"},
		{"incap_ses_1184_2462341", necessary, "Imperva"},
		{"nlbi_2462341", necessary, "Imperva"},
		{"__cf_bm", necessary, "Cloudflare"},
		{"cf_clearance", necessary, "Cloudflare"},
		{"__cflb", necessary, "Cloudflare"},
		{"_cfuvid", necessary, "Cloudflare"},
		{"ak_bmsc", necessary, "Akamai"},
		{"bm_sv", necessary, "Akamai"},
		{"_abck", necessary, "Akamai"},
		{"bm_sz", necessary, "Akamai"},
		{"ARRAffinity", necessary, "Azure App Service"},
		{"ARRAffinitySameSite", necessary, "Azure App Service"},
		// SAP.
		{"saplb_*", necessary, "SAP"}, // the literal name the Fora seed declares
		{"saplb_PORTAL", necessary, "SAP"},
		{"MYSAPSSO2", necessary, "SAP"},
		{"SAP_SESSIONID_PRD_100", necessary, "SAP"},
		// Near misses.
		{"wordpress_", "", ""},
		{"wp-settings-", "", ""},
		{"SESS", "", ""},
		{"TS", "", ""},
		{"BIGipServer", "", ""},
		{"_myapp_session", "", ""}, // Rails sessions are declared, not guessed
		{"app_session", "", ""},
	}
	list := Builtin()
	for _, tt := range tests {
		got, ok := classify(list, tt.name)
		switch {
		case tt.category == "" && ok:
			t.Errorf("%q matched %q (%s), want no match", tt.name, got.Name, got.Category)
		case tt.category == "":
		case !ok:
			t.Errorf("%q matched nothing, want %s (%s)", tt.name, tt.category, tt.platform)
		case got.Category != tt.category || got.Platform != tt.platform:
			t.Errorf("%q → %q %s (%s), want %s (%s)", tt.name, got.Name, got.Category, got.Platform, tt.category, tt.platform)
		}
	}
}

// TestPlatformCounts keeps the list from silently losing a platform the issue names.
func TestPlatformCounts(t *testing.T) {
	count := map[string]int{}
	for _, c := range Builtin() {
		count[c.Platform]++
	}
	for _, p := range []string{"WordPress", "WooCommerce", "Drupal", "Joomla", "Magento", "TYPO3", "PHP",
		"Java servlet container", "ASP.NET", "ASP.NET Core", "Laravel", "Django", "Ruby on Rails (Devise)", "Express",
		"AWS Elastic Load Balancing", "F5 BIG-IP", "F5 BIG-IP ASM", "Citrix NetScaler", "Imperva", "Cloudflare",
		"Akamai", "Azure App Service", "SAP"} {
		if count[p] == 0 {
			t.Errorf("no entry for %s", p)
		}
	}
	var ps []string
	for p, n := range count {
		ps = append(ps, fmt.Sprintf("%s: %d", p, n))
	}
	sort.Strings(ps)
	t.Logf("%d entries:\n%s", len(Builtin()), strings.Join(ps, "\n"))
}

var blockerHostRE = regexp.MustCompile(`^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)

func TestTrackersWellFormed(t *testing.T) {
	list := Builtin()
	seen := map[string]bool{}
	for _, tr := range Trackers() {
		if !blockerHostRE.MatchString(tr.Host) {
			t.Errorf("host %q is not written as a policy blocker host", tr.Host)
		}
		if seen[tr.Host] {
			t.Errorf("host %q listed twice", tr.Host)
		}
		seen[tr.Host] = true
		switch tr.Category {
		case preferences, statistics, marketing:
		default:
			t.Errorf("%s: category %q cannot be held back", tr.Host, tr.Category)
		}
		if tr.Platform == "" || tr.Source == "" {
			t.Errorf("%s: platform or source missing", tr.Host)
		}
		// A first-party name must be in the cookie list, written the same way, so that
		// draft and lint find it by its text.
		for _, n := range tr.FirstParty {
			if !slices.ContainsFunc(list, func(c Cookie) bool { return c.Name == n }) {
				t.Errorf("%s: first-party cookie %q is not in the built-in list", tr.Host, n)
			}
		}
	}
	a := Trackers()
	a[0].FirstParty[0] = "changed"
	if Trackers()[0].FirstParty[0] == "changed" {
		t.Error("Trackers() shares storage between callers")
	}
}

// ocdDisagreements lists, by the Open Cookie Database's name for the row, every row whose
// category (mapped as SPEC §3 says) differs from ours, grouped by the reason we differ.
// TestAgainstOpenCookieDatabase fails on a disagreement not listed here and on a listed
// name that no longer disagrees, so the list stays the truth.
var ocdDisagreements = map[string][]string{
	// The database files these Functional, which SPEC maps to preferences. They are
	// session, login, CSRF, load-balancing, bot-protection and fraud-prevention cookies, or
	// settings the user chose in an admin screen: without them the site or its protection
	// fails, which is the WP194 §3 exemption (necessary).
	"strictly necessary for the site or its protection (WP194 §3); the database says Functional": {
		".ASPXANONYMOUS", ".ASPXAUTH", ".AspNetCore.Mvc.CookieTempDataProvider", "ARRAffinity", "ARRAffinitySameSite",
		"ASLBSA", "ASLBSACORS", "ASP.NET_SessionId", "AWSALB", "AWSALBCORS", "AWSALBTG", "AWSALBTGCORS", "AWSELB",
		"AWSELBCORS", "ApplicationGatewayAffinity", "ApplicationGatewayAffinityCORS", "BIGipServer*", "GCLB",
		"INGRESSCOOKIE", "NSC_*", "PHPSESSID", "Typo3InstallTool", "X-Magento-Vary", "_GRECAPTCHA", "__cf_bm", "__cflb",
		"__cfruid", "__cfwaitingroom", "__stripe_mid", "__stripe_sid", "_abck", "_cfuvid", "ak_bmsc",
		"be_lastLoginProvider", "be_typo_user", "bm_sv", "cf_chl_rc_i", "cf_chl_rc_m", "cf_chl_rc_ni", "cf_clearance",
		"cf_ob_info", "cf_use_ob", "fe_typo_user", "frontend", "guest-view", "has_js", "incap_ses_*", "laravel_session",
		"login_redirect", "mage-cache-sessid", "mage-messages", "mage-translation-file-version",
		"mage-translation-storage", "nlbi_*", "persistent_shopping_cart", "private_content_version",
		"remember_user_token", "section_data_ids", "store", "user_allowed_save_cookie", "visid_incap_*",
		"woocommerce_cart_hash", "woocommerce_items_in_cart", "wordpress_logged_in_*", "wordpress_test_cookie",
		"wp-postpass_*", "wp-saving-post", "wp-settings-*", "wp-settings-time-*", "wp_lang", "wp_woocommerce_session_*",
	},
	// WordPress sets these only when the commenter ticks the comment form's "Save my name,
	// email, and website in this browser" box.
	"a setting the visitor explicitly asked for on the site's own form (WP194 §3.6); the database says Functional": {
		"comment_author_*", "comment_author_url_*",
	},
	// A consent manager's record of the visitor's choice is needed to honour that choice.
	"stores the visitor's consent choice, which the law requires to be kept": {
		"CookieConsent", "CookieConsentBulkSetting-*", "OptanonAlertBoxClosed", "OptanonConsent", "__hs_do_not_track",
		"__hs_initial_opt_in", "__hs_opt_out", "borlabs-cookie", "cmplz_banner-status", "cmplz_choice",
		"cmplz_consented_services", "cmplz_functional", "cmplz_id", "cmplz_marketing", "cmplz_policy_id",
		"cmplz_preferences", "cmplz_saved_categories", "cmplz_saved_services", "cmplz_statistics", "cmplz_stats",
		"cmplz_user_data", "cookieyes-consent", "euconsent-v2", "hs_langswitcher_choice", "li_gc", "mtm_consent",
		"mtm_consent_removed", "mtm_cookie_consent",
	},
	// Our entry follows the vendor's own cookie documentation (the entry's Source).
	"the vendor's own documentation classes it so": {
		"AMCVS_*", "AMCV_*", "FPGSID", "__hsmem", "__hssc", "__hssrc", "__hstc", "_gaexp", "_hjAbsoluteSessionInProgress",
		"_hjClosedSurveyInvites", "_hjDonePolls", "_hjFirstSeen", "_hjIncludedInPageviewSample", "_hjLocalStorageTest",
		"_hjMinimizedPolls", "_hjSessionRejected", "_hjSessionResumed", "_hjSessionStorageTest", "_hjSessionTooLarge",
		"_hjSessionUser_*", "_hjSession_*", "_hjShownFeedbackMessage", "_hjTLDTest", "_hjUserAttributesHash",
		"ai_session", "ai_user", "hs-messages-hide-welcome-message", "hs-messages-is-open", "hs_ab_test", "hubspotutk",
		"intercom-device-id-*", "intercom-id-*", "intercom-session-*", "lms_analytics", "messagesUtk", "s_ecid",
	},
	// See the note above trackerCookies in builtin.go.
	"reaches a site only through the vendor's advertising or social tags and embeds, and is classed with them": {
		"ANID", "SM", "YSC", "_pinterest_sess", "li_fat_id", "test_cookie", "yabs-sid", "yandexuid", "ymex", "yuidss",
	},
	// The same name on another service's own domain, which never passes this proxy.
	"the database's row is another service's cookie on its own domain; on a site's own domain the name is the framework's session": {
		"connect.sid", "sessionid",
	},
	// A pattern of ours matches another vendor's name; the more demanding category, or the
	// platform the pattern names, is kept.
	"our pattern for another platform matches this name": {
		"TS01*", "_gat_pro", "wordpress_google_apps_login",
	},
}

// TestAgainstOpenCookieDatabase compares our categories with the Open Cookie Database's for
// every name both know: each row whose name our list matches must agree, or be listed in
// ocdDisagreements with the reason.
func TestAgainstOpenCookieDatabase(t *testing.T) {
	f, err := os.Open(filepath.Join(testshared.Dir(t), "open-cookie-database", "open-cookie-database.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ocd, err := ReadOpenCookieDatabase(f)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, names := range ocdDisagreements {
		for _, n := range names {
			if listed[n] {
				t.Errorf("%q is listed under two reasons", n)
			}
			listed[n] = true
		}
	}
	list := Builtin()
	overlap, agree := 0, 0
	disagreeing := map[string]bool{}
	for _, o := range ocd {
		// A database prefix row "p*" stands for names such as "p1".
		sample := o.Name
		if p, ok := strings.CutSuffix(sample, "*"); ok {
			sample = p + "1"
		}
		ours, ok := classify(list, sample)
		if !ok {
			continue
		}
		overlap++
		if ours.Category == o.Category {
			agree++
			continue
		}
		disagreeing[o.Name] = true
		if !listed[o.Name] {
			t.Errorf("%q: the Open Cookie Database says %s (%s), our %q says %s (%s); agree, or list the reason in ocdDisagreements",
				o.Name, o.Category, o.Platform, ours.Name, ours.Category, ours.Platform)
		}
	}
	for n := range listed {
		if !disagreeing[n] {
			t.Errorf("%q is listed as a disagreement but is not one (any more); remove it from ocdDisagreements", n)
		}
	}
	t.Logf("%d database rows match our list: %d agree, %d differ for a listed reason", overlap, agree, len(disagreeing))
	if overlap < 200 {
		t.Errorf("only %d rows overlap; the comparison is not looking at what it should", overlap)
	}
}
