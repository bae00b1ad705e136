// Package htmlrewrite is a streaming HTML rewriter for cookie consent: it inserts markup
// after the <head> start tag and before </body>, and holds back <script>, <iframe> and
// <img> elements the caller names, without building a document tree.
//
// Like Cloudflare's lol-html it is push-based: Write scans what it is given with a
// tokenizer that follows the states of the HTML Living Standard, looks closely only at
// the tags that matter, and copies every other byte through unchanged and at once. With
// nothing to insert and nothing held back, the output is the input, byte for byte,
// whatever the input (broken HTML included) and however it is cut into writes.
//
// # Neutralising
//
// For each script, iframe and img element (and <image>, which browsers read as <img>),
// Config.Block is asked for a category. When it names one, CAT:
//
//	<script src=X ...>   becomes  <script type="text/plain" data-consent="CAT" data-consent-src=X ...>
//	<script ...>inline   becomes  <script type="text/plain" data-consent="CAT" ...>inline
//	<iframe src=X ...>   becomes  <iframe data-consent="CAT" data-consent-src=X ...>
//	<img src=X srcset=Y> becomes  <img data-consent="CAT" data-consent-src=X data-consent-srcset=Y>
//
// The new attributes go right after the tag name; src (srcset for img) is renamed where
// it stands, with its value and quoting untouched, and so is a script's type, to
// data-consent-type. Every other byte of the tag stays. A duplicated attribute is renamed
// every time: browsers take the first of a name and drop the others, so a second src
// left alone would become the first. Element.Src is the first src, decoded as the DOM
// has it. A script with a src attribute, even an empty one, is asked about with its Src;
// one without is held until its end tag and asked about with its text (Inline).
//
// # Insertions
//
// Config.Head goes right after the first <head> start tag; without one, right before the
// first start tag other than <html>; without any, at Close. Config.BodyEnd goes right
// before the first </body> end tag that is markup (not text of a comment, script, style,
// textarea, title, noscript, ...); without one, at Close.
//
// # Streaming and the hold limit
//
// Bytes are held back only while their output is undecided: a tag whose name is not yet
// complete (when an insertion or a held-back element may depend on it), a script, iframe
// or img start tag until its '>', an inline script until its end tag. At most
// Config.MaxHold bytes are held at any time (64 KiB by default, at least 16). A construct
// that would need more is decided on what was seen: a start tag longer than the limit
// passes through unchanged and Block is not asked about it; an inline script longer than
// the limit is decided on its start tag and as much of its text as fits (Element.Inline
// is then shorter than the text), and the rest follows unchanged. Flush writes
// everything no later byte can change; Close decides the rest (a script cut off by the
// end of the input is decided on what it has; a tag cut off is no tag, as in browsers).
//
// # How much of the parser it follows
//
// The tokenizer states that decide where a tag is are followed exactly: comments
// (including <!--> and --!>), bogus comments, DOCTYPE, CDATA sections (only in foreign
// content), quoted and unquoted attribute values, the raw-text and RCDATA elements
// (style, xmp, iframe, noembed, noframes, textarea, title), plaintext, and the script
// data escaped and double-escaped states. Where the tree builder changes what the
// tokenizer does, it is followed just far enough: a bounded stack of open elements tells
// foreign content (<svg>, <math>) from HTML, with its integration points, the start tags
// that break out of it, and the HTML end tags and table cells that close it.
//
// Deliberate differences from a browser's parser, each checked against
// golang.org/x/net/html in the tests:
//
//   - <noscript> content is scanned as markup, as a browser with scripting disabled
//     reads it, and the elements in it are held back too (Element.InNoscript); but the
//     noscript ends at the first "</noscript" as in a browser with scripting enabled,
//     even inside a comment or an attribute value, so that what follows is read as the
//     browsers that run the trackers read it.
//   - A <script> in foreign content is an SVG or MathML element, not an HTML script: it
//     is not shown to Block and is left alone.
//   - Elements the parser drops (the body of a frameset document, non-column content of a
//     <template> that starts with <col>) may still be shown to Block and neutralised;
//     that changes nothing, since they are never created.
//   - Implied end tags are followed only where they can close foreign content (<p> by
//     block start tags, table cells, rows and row groups); the stack keeps the 256
//     innermost elements.
//
// A Rewriter is not safe for concurrent use; Reset lets one be pooled.
package htmlrewrite
