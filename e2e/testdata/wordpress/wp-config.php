<?php
/*
 * wp-config.php of the WordPress end-to-end test (e2e/wordpress_test.go).
 * The test copies Debian's WordPress into a temporary document root and puts
 * this file there in place of Debian's, which would read
 * /etc/wordpress/config-<host>.php. {{...}} are filled in by the test.
 */

define( 'DB_NAME', 'wordpress' );
define( 'DB_USER', 'wordpress' );
define( 'DB_PASSWORD', 'wordpress' );
define( 'DB_HOST', 'localhost:{{MYSQL_SOCKET}}' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

// Fixed salts: the test's sessions live only as long as the test.
define( 'AUTH_KEY', 'consentgate-e2e-auth-key' );
define( 'SECURE_AUTH_KEY', 'consentgate-e2e-secure-auth-key' );
define( 'LOGGED_IN_KEY', 'consentgate-e2e-logged-in-key' );
define( 'NONCE_KEY', 'consentgate-e2e-nonce-key' );
define( 'AUTH_SALT', 'consentgate-e2e-auth-salt' );
define( 'SECURE_AUTH_SALT', 'consentgate-e2e-secure-auth-salt' );
define( 'LOGGED_IN_SALT', 'consentgate-e2e-logged-in-salt' );
define( 'NONCE_SALT', 'consentgate-e2e-nonce-salt' );

$table_prefix = 'wp_';

// One installation, two sites in front of it (plain and through the proxy):
// WordPress answers under the host it was asked for, so that neither site
// redirects to the other. Only the test's two hosts are accepted.
$consentgate_e2e_hosts = array( {{HOSTS}} );
$consentgate_e2e_host  = isset( $_SERVER['HTTP_HOST'] ) && in_array( $_SERVER['HTTP_HOST'], $consentgate_e2e_hosts, true )
	? $_SERVER['HTTP_HOST'] : $consentgate_e2e_hosts[0];
define( 'WP_HOME', 'http://' . $consentgate_e2e_host );
define( 'WP_SITEURL', 'http://' . $consentgate_e2e_host );

// The machine is offline: no update checks, no news feeds, no cron requests
// to itself; each would wait for a timeout on every admin page.
define( 'WP_HTTP_BLOCK_EXTERNAL', true );
define( 'DISABLE_WP_CRON', true );
define( 'AUTOMATIC_UPDATER_DISABLED', true );
define( 'WP_AUTO_UPDATE_CORE', false );

// Where the must-use tracker plugin loads the fake trackers from: their real
// host names (the test's Chromium maps every host to 127.0.0.1) on this port.
define( 'CONSENTGATE_E2E_TRACKER_PORT', '{{TRACKER_PORT}}' );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}
require_once ABSPATH . 'wp-settings.php';
