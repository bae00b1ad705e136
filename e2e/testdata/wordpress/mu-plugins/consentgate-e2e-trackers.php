<?php
/**
 * Plugin Name: consentgate e2e: the site's trackers
 * Description: What a typical WordPress site adds to its visitor pages, as
 * an analytics or marketing plugin would: the Google tag (GA4), the Meta
 * pixel with its noscript image, a YouTube embed, and two cookies set by the
 * server (_ga, as server-side tagging renews it, and an HttpOnly first-party
 * id, FPID). consentgate must hold all of it back until the visitor agrees.
 * The trackers load over HTTPS from their real host names, on the test's
 * tracker port.
 */

defined( 'ABSPATH' ) || exit;

function consentgate_e2e_tracker( $host, $path ) {
	return 'https://' . $host . ':' . CONSENTGATE_E2E_TRACKER_PORT . $path;
}

// Visitor pages only (template_redirect runs for the front end, not for
// wp-admin or wp-login.php).
add_action(
	'template_redirect',
	function () {
		$two_years = time() + 2 * 365 * DAY_IN_SECONDS;
		setcookie( '_ga', 'GA1.1.1234567890.1700000000', array( 'expires' => $two_years, 'path' => '/' ) );
		setcookie( 'FPID', 'FPID2.2.ZTJlLXRlc3Q.1700000000', array( 'expires' => $two_years, 'path' => '/', 'httponly' => true ) );
	}
);

add_action(
	'wp_head',
	function () {
		?>
<!-- Google tag (gtag.js) -->
<script async src="<?php echo esc_url( consentgate_e2e_tracker( 'www.googletagmanager.com', '/gtag/js?id=G-TEST' ) ); ?>"></script>
<script>
	window.dataLayer = window.dataLayer || [];
	function gtag() { dataLayer.push( arguments ); }
	gtag( 'js', new Date() );
	gtag( 'config', 'G-TEST' );
</script>
<!-- Meta Pixel -->
<script>
	( function ( w, d, src ) {
		if ( w.fbq ) return;
		var q = w.fbq = function () { q.queue.push( arguments ); };
		q.queue = [];
		var s = d.createElement( 'script' );
		s.async = true;
		s.src = src;
		var first = d.getElementsByTagName( 'script' )[0];
		first.parentNode.insertBefore( s, first );
	} )( window, document, '<?php echo esc_js( consentgate_e2e_tracker( 'connect.facebook.net', '/en_US/fbevents.js' ) ); ?>' );
	fbq( 'init', '1234567890' );
	fbq( 'track', 'PageView' );
</script>
<noscript><img height="1" width="1" style="display:none" src="<?php echo esc_url( consentgate_e2e_tracker( 'www.facebook.com', '/tr?id=1234567890&ev=PageView&noscript=1' ) ); ?>" alt=""></noscript>
		<?php
	},
	1
);

add_action(
	'wp_footer',
	function () {
		?>
<figure class="wp-block-embed is-type-video is-provider-youtube"><div class="wp-block-embed__wrapper">
<iframe title="A video" width="560" height="315" src="<?php echo esc_url( consentgate_e2e_tracker( 'www.youtube.com', '/embed/dQw4w9WgXcQ?feature=oembed' ) ); ?>" frameborder="0" allow="accelerometer; autoplay; clipboard-write; encrypted-media; gyroscope; picture-in-picture" allowfullscreen></iframe>
</div></figure>
		<?php
	}
);
