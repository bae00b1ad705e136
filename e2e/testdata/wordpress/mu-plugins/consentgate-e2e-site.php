<?php
/**
 * Plugin Name: consentgate e2e: test settings and a plugin-style endpoint
 * Description: Keeps the offline test site from waiting on the network and
 * from rejecting the test's quick comments, backs up block editor drafts
 * sooner, and answers an admin-ajax action with an HTML fragment, as "load
 * more" plugins do.
 */

defined( 'ABSPATH' ) || exit;

// Avatars come from gravatar.com, which an offline machine cannot reach.
add_filter( 'pre_option_show_avatars', '__return_zero' );

// Both sites comment from 127.0.0.1 within seconds of each other.
remove_action( 'check_comment_flood', 'check_comment_flood_db', 10 );

// An HTML fragment fetched by script: it must reach the page exactly as the
// plugin wrote it.
function consentgate_e2e_fragment() {
	$who = is_user_logged_in() ? wp_get_current_user()->user_login : 'visitor';
	echo '<li class="e2e-item">More posts for ' . esc_html( $who ) . '</li>';
	echo '<li class="e2e-item"><a href="' . esc_url( home_url( '/hello-world/' ) ) . '">Hello world!</a></li>';
	wp_die();
}
add_action( 'wp_ajax_consentgate_e2e_fragment', 'consentgate_e2e_fragment' );
add_action( 'wp_ajax_nopriv_consentgate_e2e_fragment', 'consentgate_e2e_fragment' );

// The block editor backs up unsaved work to sessionStorage every 15 seconds;
// the test waits for that backup, so let it come sooner.
add_filter(
	'block_editor_settings_all',
	function ( $settings ) {
		$settings['localAutosaveInterval'] = 1;
		return $settings;
	}
);

// A page that embeds the first post as WordPress embeds one (its link pasted
// into the editor, or the post embedded on another site): the card in a
// sandboxed iframe, which WordPress's host script sizes to what the card
// says its height is.
add_action(
	'template_redirect',
	function () {
		if ( ! isset( $_GET['consentgate_e2e_embed'] ) ) {
			return;
		}
		echo '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>An embedded post</title></head><body><main>';
		echo get_post_embed_html( 500, 300, 1 ); // phpcs:ignore WordPress.Security.EscapeOutput -- WordPress's own markup.
		echo '</main></body></html>';
		exit;
	},
	0
);
