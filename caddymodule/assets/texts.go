package assets

import "github.com/consentgate/consentgate/policy"

// builtinTexts are the banner's texts in the languages shipped with
// consentgate, one entry per key of policy.TextKeys. A policy overrides any of
// them under `texts:`; languages not listed here fall back to English.
var builtinTexts = map[string]map[string]string{
	"sv": {
		"banner_title":     "Vi använder kakor",
		"banner_text":      "Vi använder kakor (cookies) som behövs för att webbplatsen ska fungera. Med ditt samtycke använder vi även andra kakor, till exempel för att komma ihåg dina val, föra statistik och visa relevant marknadsföring. Du kan när som helst ändra eller återkalla ditt samtycke.",
		"accept_all":       "Godkänn alla",
		"reject_all":       "Avvisa alla",
		"settings":         "Anpassa",
		"save":             "Spara mina val",
		"close":            "Stäng",
		"settings_title":   "Välj vilka kakor du godkänner",
		"settings_text":    "Nödvändiga kakor är alltid på, eftersom webbplatsen inte fungerar utan dem. Övriga kategorier används bara om du slår på dem.",
		"always_on":        "Alltid på",
		"declaration_link": "Kakor vi använder",
		"privacy_link":     "Integritetspolicy",
		"cookie_settings":  "Kakinställningar",
		"notice_title":     "Kakor på webbplatsen",
		"notice_text":      "Vi använder bara kakor som behövs för att webbplatsen ska fungera. De kräver inte ditt samtycke, men du kan läsa mer om dem.",
		"ok":               "OK",
		"consent_id":       "Samtyckes-ID",
		"consent_date":     "Samtycke lämnat",
		"withdraw":         "Återkalla samtycke",
		// Placeholders: {host} is the embed's host, {category} its category's title.
		"placeholder_title": "Innehåll från {host}",
		"placeholder_text":  "Det visas när du tillåter kakor för {category}.",
		"placeholder_allow": "Tillåt {category} och visa",
	},
	"en": {
		"banner_title":      "We use cookies",
		"banner_text":       "We use cookies that are needed for this website to work. With your consent we also use other cookies, for example to remember your choices, to collect statistics and to show relevant marketing. You can change or withdraw your consent at any time.",
		"accept_all":        "Accept all",
		"reject_all":        "Reject all",
		"settings":          "Settings",
		"save":              "Save my choices",
		"close":             "Close",
		"settings_title":    "Choose which cookies you accept",
		"settings_text":     "Necessary cookies are always on, as the website cannot work without them. The other categories are used only if you switch them on.",
		"always_on":         "Always on",
		"declaration_link":  "Cookies we use",
		"privacy_link":      "Privacy policy",
		"cookie_settings":   "Cookie settings",
		"notice_title":      "Cookies on this website",
		"notice_text":       "We only use cookies that are needed for this website to work. They do not require your consent, but you can read more about them.",
		"ok":                "OK",
		"consent_id":        "Consent ID",
		"consent_date":      "Consent given",
		"withdraw":          "Withdraw consent",
		"placeholder_title": "Content from {host}",
		"placeholder_text":  "It is shown once you allow {category} cookies.",
		"placeholder_allow": "Allow {category} and load",
	},
}

type categoryText struct{ title, description string }

// builtinCategories are the titles and descriptions of the well-known
// categories; a policy's title: and description: override them.
var builtinCategories = map[string]map[string]categoryText{
	"sv": {
		policy.Necessary: {"Nödvändiga",
			"Nödvändiga kakor gör att webbplatsen fungerar, till exempel sidnavigering, inloggning och säkerhetsfunktioner. Webbplatsen kan inte fungera som den ska utan dem."},
		"preferences": {"Inställningar",
			"Inställningskakor gör att webbplatsen kan komma ihåg val du har gjort, till exempel vilket språk du föredrar eller vilken region du befinner dig i."},
		"statistics": {"Statistik",
			"Statistikkakor hjälper oss att förstå hur besökare använder webbplatsen, genom att samla in och sammanställa uppgifter om besök och sidvisningar."},
		"marketing": {"Marknadsföring",
			"Marknadsföringskakor används för att följa besökare mellan webbplatser, så att annonser kan anpassas efter den enskilda besökaren och mätas."},
		policy.Unclassified: {"Oklassificerade",
			"Kakor som ännu inte har klassificerats. De används inte förrän de har fått en kategori."},
	},
	"en": {
		policy.Necessary: {"Necessary",
			"Necessary cookies make the website work, for example page navigation, logging in and security features. The website cannot function properly without them."},
		"preferences": {"Preferences",
			"Preference cookies let the website remember choices you have made, such as your preferred language or the region you are in."},
		"statistics": {"Statistics",
			"Statistics cookies help us understand how visitors use the website, by collecting and compiling information about visits and page views."},
		"marketing": {"Marketing",
			"Marketing cookies are used to follow visitors across websites, so that advertising can be tailored to the individual visitor and measured."},
		policy.Unclassified: {"Unclassified",
			"Cookies that have not been classified yet. They are not used until they have been given a category."},
	},
}

// fallbackLang is the built-in language used for languages consentgate has no
// texts in.
const fallbackLang = "en"

// Text returns a UI text (keys: policy.TextKeys) in a language: the policy's
// `texts:` override for that key and language, else the built-in text (sv and
// en are built in; other languages fall back to en, after an English override).
// An unknown key gives "".
func (b *Bundle) Text(key, lang string) string {
	override := b.policy.Texts[key]
	if s := override.In(lang); s != "" {
		return s
	}
	if s, ok := builtinTexts[lang][key]; ok {
		return s
	}
	if s := override.In(fallbackLang); s != "" {
		return s
	}
	return builtinTexts[fallbackLang][key]
}

// CategoryTitle is the category's title in lang: the policy's title, else the
// built-in one (necessary, preferences, statistics, marketing, unclassified),
// else the title in another language, else the id.
func (b *Bundle) CategoryTitle(c policy.Category, lang string) string {
	if s := c.Title.In(lang); s != "" {
		return s
	}
	if t, ok := builtinCategories[lang][c.ID]; ok {
		return t.title
	}
	if s := c.Title.In(fallbackLang, b.policy.Languages...); s != "" {
		return s
	}
	if t, ok := builtinCategories[fallbackLang][c.ID]; ok {
		return t.title
	}
	return c.ID
}

// CategoryDescription is the category's description in lang, chosen like
// CategoryTitle; "" when there is none.
func (b *Bundle) CategoryDescription(c policy.Category, lang string) string {
	if s := c.Description.In(lang); s != "" {
		return s
	}
	if t, ok := builtinCategories[lang][c.ID]; ok {
		return t.description
	}
	if s := c.Description.In(fallbackLang, b.policy.Languages...); s != "" {
		return s
	}
	return builtinCategories[fallbackLang][c.ID].description
}
