// Package htmlrewrite is a streaming HTML (and XML) rewriter for cookie consent: it
// inserts markup after the <head> start tag and before </body>, and holds back every
// element that would load or run something the caller names, without building a
// document tree. docs/REWRITER.md is its reference: the sinks, how each is neutralised,
// the hold limit and where the rewriter fails closed.
//
// Like Cloudflare's lol-html it is push-based: Write scans what it is given with a
// tokenizer that follows the states of the HTML Living Standard, looks closely only at
// the tags that matter, and copies every other byte through unchanged and at once. With
// nothing to insert and nothing held back, the output is the input, byte for byte,
// whatever the input (broken HTML included) and however it is cut into writes.
//
// # Neutralising
//
// Config.Block is asked about each element that would load or run something: scripts
// (HTML and SVG, with src, href, xlink:href or inline text), iframes and frames (src,
// srcdoc, data: and javascript: payloads), images (src, srcset, SVG href), <input
// type=image>, video, audio, source, track, object, embed, <link> with a rel that fetches,
// SVG <use>, <feImage>, <set>/<animate> of href, <style> elements and CSS url() in style
// attributes, and a few legacy attributes (background, ping). Element carries every URL
// the element would load and its inline content. When Block names a category, CAT:
//
//	<script src=X ...>   becomes  <script type="text/plain" data-consent="CAT" data-consent-src=X ...>
//	<svg><script href=X> becomes  <script type="text/plain" data-consent="CAT" data-consent-href=X>
//	<img src=X srcset=Y> becomes  <img data-consent="CAT" data-consent-src=X data-consent-srcset=Y>
//	<style>@import "X"   becomes  <style type="text/plain" data-consent="CAT">@import "data:,X"
//
// Every attribute that loads is renamed where it stands to data-consent-NAME (':' as
// '-'), with its value and quoting untouched, duplicates included; a script's type is
// renamed to data-consent-type. Every other byte of the tag stays, and the content of a
// held-back script or style is not touched. Config.Placeholder's markup goes right
// before a held-back iframe, frame, video, audio, embed or object.
//
// # Insertions
//
// Config.Head goes right after the first <head> start tag; without one, right before the
// first start tag other than <html>; without any, at Close. Config.BodyEnd goes right
// before the first </body> end tag that is markup (not text of a comment, script, style,
// textarea, title, noscript, ...); without one, at Close. Both are told the page's
// language (Doc).
//
// # Streaming and the hold limit
//
// Bytes are held back only while their output is undecided: a tag until its '>', an
// inline script or a style until its end tag, an SVG script or style until its element
// ends. At most Config.MaxHold bytes are held at any time (64 KiB by default, at least
// 16). What does not fit fails closed (Element.Partial, and Config.Debug is told), except
// long inline scripts and styles, which are checked in pieces, and long start tags, which
// are checked attribute by attribute (longtag.go); see docs/REWRITER.md.
// Flush writes everything no later byte can change; Close decides the rest.
//
// # How much of the parser it follows
//
// The tokenizer states that decide where a tag is are followed exactly. Where the tree
// builder changes what the tokenizer does, it is followed through a stack of open
// elements (names and namespaces): foreign content (<svg>, <math>) with its integration
// points, the start tags that leave it and the end tags that close it (by scope, the
// "any other end tag" rule, the adoption agency, <form>), the implied end tags and the
// table structure, frameset-ok and the frameset modes, and <template> content that
// began with <col>. Its memory is bounded (runs of identical elements count once, 1024
// frames at most); what it can no longer follow fails closed. Every difference from a
// browser's parser is checked against golang.org/x/net/html and listed in
// docs/REWRITER.md.
//
// A Rewriter is not safe for concurrent use; Reset lets one be pooled.
package htmlrewrite
