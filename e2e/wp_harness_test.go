//go:build browser && linux

package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/consentgate/consentgate/caddymodule"
	"github.com/consentgate/consentgate/internal/testshared"
)

// The WordPress harness runs Debian's WordPress for real, as the test's own
// processes, and leaves nothing behind: mariadbd on a fresh datadir and a
// unix socket, php-fpm with its own pool on a unix socket, a copy of
// /usr/share/wordpress (hard links, so it costs nothing) as the document
// root with our wp-config.php in place of Debian's (which reads
// /etc/wordpress), and this process's Caddy serving two sites from that one
// php-fpm: the site as it is (plain) and the same site block with
// cookie_consent, both made from examples/wordpress/Caddyfile. WordPress is
// installed through its web installer. Fake trackers answer on a loopback
// server under their real host names and record every request.

const (
	wpDocroot      = "/usr/share/wordpress"
	wpPlainHost    = "wp-plain.test"
	wpConsentHost  = "wp-consent.test"
	wpAdminUser    = "admin"
	wpAdminPass    = "consentgate-e2e-Adm1n!"
	wpExampleDir   = "../examples/wordpress"
	wpTestdataDir  = "testdata/wordpress"
	wpStartTimeout = 30 * time.Second
)

// wpEnv is a running WordPress with its two sites.
type wpEnv struct {
	dir        string // sockets, database, logs
	root       string // the document root
	mysqlSock  string
	fpmSock    string
	caddyLog   string // Caddy's log (info)
	consentLog string // the cookie_consent handler's log (debug: every decision)
	fpmLog     string // php-fpm's log, PHP errors included
	plain      *wpSite
	consent    *wpSite
	trackers   *wpTrackers
	ids        map[string]int // the seeded posts (testdata/wordpress/seed.php)
}

// wpSite is one of the two Caddy sites in front of the same WordPress.
type wpSite struct {
	name   string // "plain" or "consent"
	host   string // host:port, as the browser sends it
	origin string // http://host:port
	// norm writes both sites' own names as placeholders (see normalise).
	norm *strings.Replacer
}

// owner is the site's administrator (testdata/wordpress/seed.php).
func (s *wpSite) owner() string { return "owner-" + s.name }

func (s *wpSite) url(path string) string { return s.origin + path }

// startWordPress starts everything and installs WordPress. It fails the
// test, never skips it, when a part is missing: .ci/run installs them.
func startWordPress(t *testing.T) *wpEnv {
	t.Helper()
	begin := time.Now()
	step := func(what string) {
		t.Logf("wordpress harness: %s (%.1fs)", what, time.Since(begin).Seconds())
	}
	fpmBin := wpFindFPM(t)
	for _, p := range []string{"/usr/bin/mariadb-install-db", "/usr/sbin/mariadbd", "/usr/bin/php",
		wpDocroot + "/wp-load.php", wpDocroot + "/wp-content/themes/twentytwentythree"} {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("%v (install Debian's wordpress, wordpress-theme-twentytwentythree, php-fpm, php-mysql and mariadb-server, as .ci/run does)", err)
		}
	}

	// A short path: unix socket paths are limited to 107 bytes.
	dir, err := os.MkdirTemp("", "cg-wp-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// php-fpm's workers run as an unprivileged user when the test runs as root.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	wp := &wpEnv{
		dir:        dir,
		root:       filepath.Join(dir, "wordpress"),
		mysqlSock:  filepath.Join(dir, "mysql.sock"),
		fpmSock:    filepath.Join(dir, "php-fpm.sock"),
		caddyLog:   filepath.Join(dir, "caddy.log"),
		consentLog: filepath.Join(dir, "consent.log"),
		fpmLog:     filepath.Join(dir, "php-fpm.log"),
	}
	wp.plain = &wpSite{name: "plain", host: fmt.Sprintf("%s:%d", wpPlainHost, testshared.FreePort(t))}
	wp.consent = &wpSite{name: "consent", host: fmt.Sprintf("%s:%d", wpConsentHost, testshared.FreePort(t))}
	var names []string
	for _, s := range []*wpSite{wp.plain, wp.consent} {
		s.origin = "http://" + s.host
		names = append(names,
			s.host, "{host}", strings.ReplaceAll(s.host, ":", "%3A"), "{host}", strings.ReplaceAll(s.host, ":", "%3a"), "{host}",
			"["+s.name+"]", "[{site}]", s.owner(), "owner-{site}")
	}
	norm := strings.NewReplacer(names...)
	wp.plain.norm, wp.consent.norm = norm, norm
	wp.trackers = newWPTrackers(t)

	wp.startMariaDB(t)
	step("mariadb ready")
	wp.makeDocroot(t)
	step("document root ready")
	wp.startPHPFPM(t, fpmBin)
	step("php-fpm ready")
	wp.startCaddy(t)
	step("caddy ready")
	wp.install(t)
	step("installed through wp-admin/install.php")
	wp.seed(t)
	step("seeded")
	return wp
}

// wpFindFPM finds Debian's php-fpm binary (php-fpm8.2 on bookworm).
func wpFindFPM(t *testing.T) string {
	matches, _ := filepath.Glob("/usr/sbin/php-fpm*")
	slices.Sort(matches)
	if len(matches) == 0 {
		t.Fatal("no /usr/sbin/php-fpm*: install Debian's php-fpm, as .ci/run does")
	}
	return matches[len(matches)-1]
}

// wpSpawn starts a long-running program of the harness in its own process
// group, writing to log. The group is killed when the test ends (the data is
// thrown away, so there is nothing to shut down gracefully), and the kernel
// kills the program if the test binary dies first.
func wpSpawn(t *testing.T, log string, name string, args ...string) {
	t.Helper()
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("starting %s: %v", name, err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Errorf("%s (pid %d) did not exit", name, cmd.Process.Pid)
		}
	})
}

// wpRun runs a program to its end and fails the test with its output if it fails.
func wpRun(t *testing.T, env []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.String())
	}
	return out
}

// wpWaitSocket waits until something accepts on a unix socket; ready, when
// not nil, must also accept what the server says first.
func wpWaitSocket(t *testing.T, path, what, log string, ready func(greeting []byte) bool) {
	t.Helper()
	deadline := time.Now().Add(wpStartTimeout)
	for {
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			ok := true
			if ready != nil {
				_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
				buf := make([]byte, 64)
				n, _ := c.Read(buf)
				ok = ready(buf[:n])
			}
			c.Close()
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(log)
			t.Fatalf("%s did not start within %v: %v\n%s", what, wpStartTimeout, err, b)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (wp *wpEnv) startMariaDB(t *testing.T) {
	datadir := filepath.Join(wp.dir, "mysql")
	asRoot := os.Geteuid() == 0
	args := []string{"--no-defaults", "--datadir=" + datadir, "--skip-test-db", "--auth-root-authentication-method=normal"}
	if asRoot {
		args = append(args, "--user=root")
	}
	wpRun(t, nil, "/usr/bin/mariadb-install-db", args...)
	initSQL := filepath.Join(wp.dir, "init.sql")
	sql := "CREATE DATABASE wordpress;\n" +
		"CREATE USER 'wordpress'@'localhost' IDENTIFIED BY 'wordpress';\n" +
		"GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';\n"
	if err := os.WriteFile(initSQL, []byte(sql), 0o600); err != nil {
		t.Fatal(err)
	}
	args = []string{
		"--no-defaults", "--datadir=" + datadir, "--socket=" + wp.mysqlSock,
		"--skip-networking", "--pid-file=" + filepath.Join(wp.dir, "mysql.pid"),
		"--init-file=" + initSQL, "--skip-log-bin",
		// A throwaway database: small and without durability.
		"--innodb-buffer-pool-size=32M",
		"--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0", "--sync-binlog=0",
		"--performance-schema=OFF",
	}
	if asRoot {
		args = append(args, "--user=root")
	}
	log := filepath.Join(wp.dir, "mysql.log")
	wpSpawn(t, log, "/usr/sbin/mariadbd", args...)
	// The server greets a client once it accepts queries (after the init file ran).
	wpWaitSocket(t, wp.mysqlSock, "mariadbd", log, func(g []byte) bool { return len(g) > 4 })
}

// makeDocroot copies Debian's WordPress into the document root: hard links
// where it can (the same file system), else copies. Debian's symlinks keep
// their targets; its .htaccess (a symlink into /etc/wordpress) is left out,
// so that nothing WordPress writes can reach a system file. Our wp-config.php
// and must-use plugins go in.
func (wp *wpEnv) makeDocroot(t *testing.T) {
	err := filepath.WalkDir(wpDocroot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(wpDocroot, path)
		dst := filepath.Join(wp.root, rel)
		switch {
		case rel == ".htaccess" || rel == "wp-config.php":
			return nil
		case d.IsDir():
			return os.MkdirAll(dst, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			if !filepath.IsAbs(target) {
				target = filepath.Join(filepath.Dir(path), target)
			}
			return os.Symlink(target, dst)
		default:
			if os.Link(path, dst) == nil {
				return nil
			}
			return wpCopyFile(path, dst)
		}
	})
	if err != nil {
		t.Fatalf("copying WordPress: %v", err)
	}
	tmpl, err := os.ReadFile(filepath.Join(wpTestdataDir, "wp-config.php"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.NewReplacer(
		"{{MYSQL_SOCKET}}", wp.mysqlSock,
		"{{HOSTS}}", fmt.Sprintf("'%s', '%s'", wp.plain.host, wp.consent.host),
		"{{TRACKER_PORT}}", strconv.Itoa(wp.trackers.port),
	).Replace(string(tmpl))
	if err := os.WriteFile(filepath.Join(wp.root, "wp-config.php"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	mu := filepath.Join(wp.root, "wp-content", "mu-plugins")
	if err := os.MkdirAll(mu, 0o755); err != nil {
		t.Fatal(err)
	}
	plugins, _ := filepath.Glob(filepath.Join(wpTestdataDir, "mu-plugins", "*.php"))
	if len(plugins) == 0 {
		t.Fatal("no must-use plugins in " + wpTestdataDir)
	}
	for _, p := range plugins {
		if err := wpCopyFile(p, filepath.Join(mu, filepath.Base(p))); err != nil {
			t.Fatal(err)
		}
	}
	// The only place WordPress writes files: uploads (and a block theme's
	// fonts), owned by the workers' user.
	uploads := filepath.Join(wp.root, "wp-content", "uploads")
	if err := os.MkdirAll(uploads, 0o755); err != nil {
		t.Fatal(err)
	}
	if u := wpWorkerUser(t); u != nil {
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(uploads, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
}

func wpCopyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, st.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// wpWorkerUser is the user php-fpm's workers run as when the test runs as
// root (as in CI): www-data, as Debian's own pool does. Besides being what
// production does, it keeps PHP from writing through the hard links into
// /usr/share/wordpress. nil when the test is not root (the workers then run
// as the test's user, and hard links to root's files are refused anyway).
func wpWorkerUser(t *testing.T) *user.User {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("www-data")
	if err != nil {
		t.Fatalf("php-fpm's workers need the user www-data: %v", err)
	}
	return u
}

func (wp *wpEnv) startPHPFPM(t *testing.T, bin string) {
	conf := fmt.Sprintf(`[global]
error_log = %s
daemonize = no
pid = %s

[consentgate-e2e]
listen = %s
pm = static
pm.max_children = 4
catch_workers_output = yes
decorate_workers_output = no
php_admin_flag[log_errors] = on
php_admin_value[error_log] = /dev/stderr
`, wp.fpmLog, filepath.Join(wp.dir, "php-fpm.pid"), wp.fpmSock)
	args := []string{"-F", "-y", filepath.Join(wp.dir, "php-fpm.conf")}
	if u := wpWorkerUser(t); u != nil {
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		conf += fmt.Sprintf("user = %s\ngroup = %s\nlisten.owner = root\nlisten.mode = 0600\n", u.Username, g.Name)
		args = append(args, "--allow-to-run-as-root")
	}
	if err := os.WriteFile(filepath.Join(wp.dir, "php-fpm.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	wpSpawn(t, filepath.Join(wp.dir, "php-fpm.out"), bin, args...)
	wpWaitSocket(t, wp.fpmSock, "php-fpm", wp.fpmLog, nil)
}

// wpCaddySites makes the two site blocks from the example Caddyfile: the
// example's host, document root, php-fpm socket and policy path are replaced
// by the test's (each must occur exactly once, so the example and the test
// cannot drift apart), and the plain site is the same block without the
// cookie_consent directive.
func wpCaddySites(example string, root, fpmSock, policy string, plain, consent *wpSite) (string, error) {
	start := strings.Index(example, "\nexample.com {")
	if start < 0 {
		return "", errors.New("examples/wordpress/Caddyfile: no site block `example.com {`")
	}
	block := example[start+1:]
	for _, r := range [][2]string{
		{"root * /usr/share/wordpress", "root * " + root},
		{"php_fastcgi unix//run/php/php8.2-fpm.sock", "php_fastcgi unix/" + fpmSock},
		{"policy /etc/caddy/cookie-policy.yaml", "policy " + policy},
	} {
		if n := strings.Count(block, r[0]); n != 1 {
			return "", fmt.Errorf("examples/wordpress/Caddyfile: %q occurs %d times, want once", r[0], n)
		}
		block = strings.Replace(block, r[0], r[1], 1)
	}
	directive := regexp.MustCompile(`(?ms)^\tcookie_consent \{\n.*?^\t\}\n`)
	if n := len(directive.FindAllString(block, -1)); n != 1 {
		return "", fmt.Errorf("examples/wordpress/Caddyfile: %d cookie_consent blocks, want 1", n)
	}
	plainBlock := directive.ReplaceAllString(block, "")
	site := func(b string, s *wpSite) string {
		return strings.Replace(b, "example.com {", fmt.Sprintf("http://%s {\n\tbind 127.0.0.1", s.host), 1)
	}
	return site(plainBlock, plain) + "\n" + site(block, consent), nil
}

func (wp *wpEnv) startCaddy(t *testing.T) {
	example, err := os.ReadFile(filepath.Join(wpExampleDir, "Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	policy, err := filepath.Abs(filepath.Join(wpExampleDir, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	sites, err := wpCaddySites(string(example), wp.root, wp.fpmSock, policy, wp.plain, wp.consent)
	if err != nil {
		t.Fatal(err)
	}
	global := fmt.Sprintf(`{
	admin off
	grace_period 100ms
	log {
		output file %s
		format json
		level INFO
	}
	log consent {
		output file %s
		format json
		level DEBUG
		include http.handlers.cookie_consent
	}
}
`, wp.caddyLog, wp.consentLog)
	cfg := global + sites
	adapted, warnings, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cfg), nil)
	if err != nil {
		t.Fatalf("adapting the Caddyfile: %v\n%s", err, cfg)
	}
	for _, w := range warnings {
		t.Errorf("adapting the Caddyfile: %s", w.String())
	}
	if err := caddy.Load(adapted, true); err != nil {
		t.Fatalf("loading the Caddyfile: %v\n%s", err, cfg)
	}
	t.Cleanup(func() { _ = caddy.Stop() })
	for _, s := range []*wpSite{wp.plain, wp.consent} {
		_, port, _ := net.SplitHostPort(s.host)
		deadline := time.Now().Add(wpStartTimeout)
		for {
			c, err := net.Dial("tcp", "127.0.0.1:"+port)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the %s site does not listen on %s", s.name, port)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// wpHTTP talks to the sites without a browser: every host name is dialled on
// 127.0.0.1 (as Chromium's host mapping does), no redirect is followed, no
// cookie kept, and nothing is decompressed behind the test's back.
var wpHTTP = &http.Client{
	Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			_, port, err := net.SplitHostPort(addr)
			if err != nil {
				return nil, err
			}
			return (&net.Dialer{}).DialContext(ctx, network, "127.0.0.1:"+port)
		},
		DisableCompression: true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Timeout:       60 * time.Second,
}

// install runs WordPress's web installer through the plain site, as its
// owner would after unpacking it.
func (wp *wpEnv) install(t *testing.T) {
	form := url.Values{
		"weblog_title":    {"consentgate e2e"},
		"user_name":       {wpAdminUser},
		"admin_password":  {wpAdminPass},
		"admin_password2": {wpAdminPass},
		"pw_weak":         {"1"},
		"admin_email":     {"admin@example.com"},
		"blog_public":     {"0"},
		"language":        {""},
	}
	res, err := wpHTTP.PostForm(wp.plain.url("/wp-admin/install.php?step=2"), form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "WordPress has been installed") {
		t.Fatalf("the installer answered %s:\n%s\nphp-fpm log:\n%s", res.Status, body, wpReadTail(wp.fpmLog, 4000))
	}
}

// seed adds the content the flows need (testdata/wordpress/seed.php) with
// PHP's command line, and reads the ids it made.
func (wp *wpEnv) seed(t *testing.T) {
	script, err := filepath.Abs(filepath.Join(wpTestdataDir, "seed.php"))
	if err != nil {
		t.Fatal(err)
	}
	out := wpRun(t, []string{"HTTP_HOST=" + wp.plain.host}, "/usr/bin/php", script, wp.root, wpAdminPass)
	if err := json.Unmarshal(out, &wp.ids); err != nil {
		t.Fatalf("seed.php printed %q: %v", out, err)
	}
}

// wpReadTail is the end of a log file, for failure messages.
func wpReadTail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// consentLogSince returns the cookie_consent handler's log entries written
// after offset (see consentLogSize), one line each, for failure messages.
func (wp *wpEnv) consentLogSince(offset int64) []string {
	f, err := os.Open(wp.consentLog)
	if err != nil {
		return []string{err.Error()}
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		return []string{err.Error()}
	}
	var out []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var e map[string]any
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		line := fmt.Sprint(e["msg"])
		for _, k := range []string{"name", "category", "classified_by", "action", "path", "suggested_category"} {
			if v, ok := e[k]; ok {
				line += fmt.Sprintf(" %s=%v", k, v)
			}
		}
		out = append(out, line)
	}
	return out
}

func (wp *wpEnv) consentLogSize() int64 {
	st, err := os.Stat(wp.consentLog)
	if err != nil {
		return 0
	}
	return st.Size()
}

// wpTrackers is the fake third parties, one loopback server answering for
// every tracker host name. It records each request with the site it came
// from (the Referer's host). It speaks HTTPS, as the real ones do: Chromium
// knows most tracker hosts as HSTS-preloaded and would upgrade http:// to
// https:// anyway (the test's Chromium ignores certificate errors).
type wpTrackers struct {
	port int
	mu   sync.Mutex
	hits []wpHit
}

type wpHit struct {
	site string // host:port of the page that caused it
	what string // host and path, e.g. www.googletagmanager.com/gtag/js
}

func newWPTrackers(t *testing.T) *wpTrackers {
	tr := &wpTrackers{}
	srv := httptest.NewTLSServer(tr)
	t.Cleanup(srv.Close)
	tr.port = srv.Listener.Addr().(*net.TCPAddr).Port
	return tr
}

// hitsFrom lists what the trackers received because of a site's pages.
func (tr *wpTrackers) hitsFrom(s *wpSite) []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	var out []string
	for _, h := range tr.hits {
		if h.site == s.host {
			out = append(out, h.what)
		}
	}
	return out
}

func (tr *wpTrackers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	host, _, _ := net.SplitHostPort(r.Host)
	var site string
	if ref, err := url.Parse(r.Referer()); err == nil {
		site = ref.Host
	}
	tr.mu.Lock()
	tr.hits = append(tr.hits, wpHit{site: site, what: host + r.URL.Path})
	tr.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	base := func(h string) string { return fmt.Sprintf("https://%s:%d", h, tr.port) }
	switch host + r.URL.Path {
	case "www.googletagmanager.com/gtag/js":
		// The Google tag: first-party cookies through document.cookie, then a hit.
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `(function () {
	var t = window.e2eTrackers = window.e2eTrackers || {};
	t.gtag = (t.gtag || 0) + 1;
	var now = Math.floor(Date.now() / 1000);
	if (!/(?:^|; )_ga=/.test(document.cookie)) document.cookie = '_ga=GA1.1.' + Math.floor(Math.random() * 1e9) + '.' + now + '; path=/; max-age=34128000';
	document.cookie = '_ga_TEST=GS1.1.' + now + '.1.0.' + now + '.0.0.0; path=/; max-age=34128000';
	var configured = (window.dataLayer || []).some(function (a) { return a[0] === 'config'; });
	new Image().src = '%s/g/collect?v=2&tid=G-TEST&en=page_view&configured=' + configured;
})();
`, base("www.google-analytics.com"))
	case "connect.facebook.net/en_US/fbevents.js":
		// The Meta pixel: its first-party cookie, then the queued events as image hits.
		w.Header().Set("Content-Type", "text/javascript")
		fmt.Fprintf(w, `(function () {
	var t = window.e2eTrackers = window.e2eTrackers || {};
	t.fbq = (t.fbq || 0) + 1;
	document.cookie = '_fbp=fb.1.' + Date.now() + '.' + Math.floor(Math.random() * 1e9) + '; path=/; max-age=7776000';
	((window.fbq && window.fbq.queue) || []).forEach(function (args) {
		if (args[0] === 'track') new Image().src = '%s/tr?id=1234567890&ev=' + encodeURIComponent(args[1]);
	});
})();
`, base("www.facebook.com"))
	case "www.google-analytics.com/g/collect":
		w.WriteHeader(http.StatusNoContent)
	case "www.facebook.com/tr":
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write([]byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"))
	default:
		if host == "www.youtube.com" && strings.HasPrefix(r.URL.Path, "/embed/") {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!DOCTYPE html><title>YouTube</title><p>A video player.</p>")
			return
		}
		http.NotFound(w, r)
	}
}
