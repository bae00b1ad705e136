package declaration

import (
	"strconv"
	"time"

	"github.com/consentgate/consentgate/policy"
)

// labels are the words of the declaration page that neither the policy nor
// the banner's texts have: table headings, durations, explanations.
type labels struct {
	Title, SiteFallback, Intro              string // Intro: %s is the site's name
	Language                                string
	YourConsent, Granted, NoChoice, GPC     string
	NoticeOnly                              string // %s is the site's name
	StaticNote                              string
	Name, Provider, Type, Duration, Purpose string
	SentTo, Adequate, NotAdequate           string
	NoCookies, WholeSite                    string
	ConsentPurpose                          string
	Unclassified, UnclassifiedDescription   string
	AboutTables, TypeHelp, DurationHelp     string
	SentToHelp                              string
	Session, Persistent                     string
	units                                   [6][2]string // year, month, day, hour, minute, second: singular, plural
}

var english = labels{
	Title:        "Cookie declaration",
	SiteFallback: "This website",
	Intro:        "%s uses the cookies and browser storage listed below, by category: what each is for, who sets it, how long it is kept and where its data is sent.",
	Language:     "Language",
	YourConsent:  "Your consent",
	Granted:      "Categories allowed",
	NoChoice:     "You have not made a choice yet, so only necessary cookies are used.",
	GPC:          "Your browser asks websites not to track you (Global Privacy Control), so only necessary cookies are used until you choose otherwise.",
	NoticeOnly:   "%s uses only necessary cookies and therefore does not ask for your consent.",
	StaticNote:   "You can change or withdraw your consent at any time:",
	Name:         "Name",
	Provider:     "Provider",
	Type:         "Type",
	Duration:     "Maximum storage duration",
	Purpose:      "Purpose",
	SentTo:       "Data sent to",
	Adequate:     "adequate",
	NotAdequate:  "not adequate",
	NoCookies:    "No cookies are declared in this category.",
	WholeSite:    "The whole website",

	ConsentPurpose:          "Stores the visitor's cookie consent.",
	Unclassified:            "Unclassified",
	UnclassifiedDescription: "Unclassified cookies are cookies that we are in the process of classifying, together with the providers of the cookies.",

	AboutTables:  "About the tables",
	TypeHelp:     "Type: HTTP is set by the web server; HTML is stored by a script in the browser (a cookie or web storage); Pixel is an image or request loaded from another website.",
	DurationHelp: "Maximum storage duration: Session means deleted when the browser is closed; Persistent means kept with no declared limit.",
	SentToHelp:   "Data sent to: the country the data is sent to, and whether the EU considers its protection of personal data adequate under the GDPR.",

	Session:    "Session",
	Persistent: "Persistent",
	units: [6][2]string{
		{"year", "years"}, {"month", "months"}, {"day", "days"},
		{"hour", "hours"}, {"minute", "minutes"}, {"second", "seconds"},
	},
}

var swedish = labels{
	Title:        "Cookiedeklaration",
	SiteFallback: "Den här webbplatsen",
	Intro:        "%s använder de kakor (cookies) och den lagring i webbläsaren som listas nedan, efter kategori: vad de används till, vem som sätter dem, hur länge de sparas och vart uppgifterna skickas.",
	Language:     "Språk",
	YourConsent:  "Ditt samtycke",
	Granted:      "Tillåtna kategorier",
	NoChoice:     "Du har inte gjort något val ännu, så bara nödvändiga kakor används.",
	GPC:          "Din webbläsare ber webbplatser att inte spåra dig (Global Privacy Control), så bara nödvändiga kakor används tills du väljer något annat.",
	NoticeOnly:   "%s använder bara nödvändiga kakor och ber därför inte om ditt samtycke.",
	StaticNote:   "Du kan när som helst ändra eller återkalla ditt samtycke:",
	Name:         "Namn",
	Provider:     "Leverantör",
	Type:         "Typ",
	Duration:     "Längsta lagringstid",
	Purpose:      "Syfte",
	SentTo:       "Uppgifter skickas till",
	Adequate:     "adekvat",
	NotAdequate:  "inte adekvat",
	NoCookies:    "Inga kakor är deklarerade i den här kategorin.",
	WholeSite:    "Hela webbplatsen",

	ConsentPurpose:          "Lagrar besökarens samtycke till kakor.",
	Unclassified:            "Oklassificerade",
	UnclassifiedDescription: "Oklassificerade kakor är kakor som vi håller på att klassificera tillsammans med deras leverantörer.",

	AboutTables:  "Om tabellerna",
	TypeHelp:     "Typ: HTTP sätts av webbservern; HTML sparas av ett skript i webbläsaren (en kaka eller webblagring); Pixel är en bild eller ett anrop som hämtas från en annan webbplats.",
	DurationHelp: "Längsta lagringstid: Session betyder att den raderas när webbläsaren stängs; Beständig betyder att den sparas utan angiven gräns.",
	SentToHelp:   "Uppgifter skickas till: landet dit uppgifterna skickas, och om EU anser att landets skydd för personuppgifter är adekvat enligt dataskyddsförordningen (GDPR).",

	Session:    "Session",
	Persistent: "Beständig",
	units: [6][2]string{
		{"år", "år"}, {"månad", "månader"}, {"dag", "dagar"},
		{"timme", "timmar"}, {"minut", "minuter"}, {"sekund", "sekunder"},
	},
}

// labelsFor returns the labels in lang; languages without built-in labels get
// English, the language a visitor of any site is likeliest to read.
func labelsFor(lang string) *labels {
	if lang == "sv" {
		return &swedish
	}
	return &english
}

const day = 24 * time.Hour

// duration writes a storage duration out in the page's language, in the
// largest unit that states it exactly. Months are used from two on: a month
// is 30 days in a policy, so "30 days" is exact where "1 month" would not
// read so.
func (l *labels) duration(d policy.Duration) string {
	switch d.Kind {
	case policy.Session:
		return l.Session
	case policy.Persistent:
		return l.Persistent
	case policy.Fixed:
	default:
		return ""
	}
	sizes := [6]time.Duration{365 * day, 30 * day, day, time.Hour, time.Minute, time.Second}
	for i, size := range sizes {
		n := d.Len / size
		if d.Len%size != 0 || n == 0 || i == 1 && n < 2 {
			continue
		}
		unit := l.units[i][1]
		if n == 1 {
			unit = l.units[i][0]
		}
		return strconv.FormatInt(int64(n), 10) + " " + unit
	}
	return ""
}

// typeNames are the cookie types as declarations print them, in any language.
var typeNames = map[string]string{"http": "HTTP", "html": "HTML", "pixel": "Pixel"}

func typeName(t string) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return t
}

// nativeNames name languages in themselves, so that a visitor finds their own
// in the language switch whatever the page's language.
var nativeNames = map[string]string{"sv": "Svenska", "en": "English"}

func nativeName(lang string) string {
	if s, ok := nativeNames[lang]; ok {
		return s
	}
	return lang
}
