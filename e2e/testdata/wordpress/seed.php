<?php
/*
 * Seeds the e2e WordPress, after its web installer ran, with what the flows
 * need, and prints the ids as JSON. Run with the PHP CLI:
 *   HTTP_HOST=<a test host> php seed.php DOCUMENT_ROOT OWNER_PASSWORD
 */

define( 'WP_USE_THEMES', false );
require $argv[1] . '/wp-load.php';

// Pretty permalinks: visitor URLs that are not /index.php (Caddy's
// php_fastcgi rewrites them to it), and the REST API under /wp-json/.
global $wp_rewrite;
$wp_rewrite->set_permalink_structure( '/%postname%/' );
flush_rewrite_rules( false );

function consentgate_e2e_post( $name, $title, $content, $extra = array() ) {
	$id = wp_insert_post(
		array_merge(
			array(
				'post_name'    => $name,
				'post_title'   => $title,
				'post_content' => "<!-- wp:paragraph -->\n<p>" . $content . "</p>\n<!-- /wp:paragraph -->",
				'post_status'  => 'publish',
				'post_author'  => 1,
			),
			$extra
		),
		true
	);
	if ( is_wp_error( $id ) ) {
		fwrite( STDERR, $id->get_error_message() . "\n" );
		exit( 1 );
	}
	return $id;
}

// The owner of each site: an administrator of its own, so that what the
// block editor remembers for one (in user meta) is not there for the other.
foreach ( array( 'plain', 'consent' ) as $site ) {
	$user = wp_insert_user(
		array(
			'user_login' => 'owner-' . $site,
			'user_pass'  => $argv[2],
			'user_email' => 'owner-' . $site . '@example.com',
			'role'       => 'administrator',
		)
	);
	if ( is_wp_error( $user ) ) {
		fwrite( STDERR, $user->get_error_message() . "\n" );
		exit( 1 );
	}
}

$ids = array(
	'hello'              => 1,
	'protected'          => consentgate_e2e_post( 'members-only', 'Members only', 'The secret word is marmalade.', array( 'post_password' => 'letmein' ) ),
	'quick_edit_plain'   => consentgate_e2e_post( 'quick-edit-plain', 'Quick edit plain', 'A post to rename.' ),
	'quick_edit_consent' => consentgate_e2e_post( 'quick-edit-consent', 'Quick edit consent', 'A post to rename.' ),
);
foreach ( array( 'wordpress', 'workflow', 'weather' ) as $tag ) {
	wp_insert_term( $tag, 'post_tag' );
}
echo wp_json_encode( $ids );
