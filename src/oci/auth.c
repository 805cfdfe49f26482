/*
 * Registry credentials (--creds, containers auth.json, Docker config.json,
 * docker-credential-* helpers), WWW-Authenticate challenges (RFC 7235) and
 * base64. No network here.
 *
 * Secrets (passwords, identity tokens, helper output, decoded "auth" values,
 * the bytes of the files they come from) are never put in a message and are
 * wiped before their memory is freed. Messages name the file, the JSON key
 * (a host name) or the helper, never a value.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <jansson.h>
#include "auth.h"

extern char **environ;

#define HELPER_PREFIX "docker-credential-"
#define HELPER_MAX_OUTPUT ((size_t)64 * 1024)
#define HELPER_TIMEOUT_MS 30000
#define HELPER_NOT_FOUND "credentials not found in native keychain"
#define DOCKER_HUB_KEY "https://index.docker.io/v1/"

static void wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

static void wipe_str(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/* ------------------------------------------------------------------ */
/* base64 */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *og_base64_encode(const void *data, size_t len)
{
	const unsigned char *in = data;
	char *out, *o;
	size_t i;

	if (len > (SIZE_MAX / 4 - 1) * 3)
		return NULL;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	o = out;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = '=';
		*o++ = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		*o++ = b64_alphabet[v >> 18 & 63];
		*o++ = b64_alphabet[v >> 12 & 63];
		*o++ = b64_alphabet[v >> 6 & 63];
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Strict standard-alphabet base64. Padding may be left out (some tools write
 * auth.json that way) but when present it must complete the last quantum.
 * The output is NUL-terminated (not counted in *len) so that decoded
 * "user:pass" text can be used as a string.
 */
int og_base64_decode(unsigned char **out, size_t *len, const char *text)
{
	unsigned char *buf = NULL;
	size_t n, pad = 0, i, o = 0;
	uint32_t acc = 0;
	unsigned int bits = 0;

	*out = NULL;
	*len = 0;
	if (!text)
		return OG_EINVALID;
	n = strlen(text);
	while (n > 0 && text[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if (pad && (n + pad) % 4 != 0)
		return OG_EINVALID;
	if (n % 4 == 1)
		return OG_EINVALID;
	buf = malloc(n / 4 * 3 + 3);
	if (!buf)
		return OG_ENOMEM;
	for (i = 0; i < n; i++) {
		int v = b64_value(text[i]);

		if (v < 0) {
			wipe(buf, o);
			free(buf);
			return OG_EINVALID;
		}
		acc = (acc << 6 | (uint32_t)v) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	/* The bits left over must be zero (a canonical encoding). */
	if (bits && (acc & ((1u << bits) - 1))) {
		wipe(buf, o);
		free(buf);
		return OG_EINVALID;
	}
	buf[o] = '\0';
	*out = buf;
	*len = o;
	return 0;
}

/* ------------------------------------------------------------------ */
/* credentials */

void og_creds_dispose(og_creds *c)
{
	if (!c)
		return;
	wipe_str(c->username);
	wipe_str(c->password);
	wipe_str(c->identity_token);
	memset(c, 0, sizeof(*c));
}

int og_creds_parse(og_creds *out, og_ctx *ctx, const char *userpass)
{
	const char *colon;
	int error = 0;

	memset(out, 0, sizeof(*out));
	if (!userpass || !(colon = strchr(userpass, ':'))) {
		error = og_error_set(ctx, OG_EINVALID,
			"--creds: expected USER:PASSWORD");
		goto done;
	}
	if (colon == userpass) {
		error = og_error_set(ctx, OG_EINVALID, "--creds: the user name is empty");
		goto done;
	}
	out->username = og__strndup(userpass, (size_t)(colon - userpass));
	out->password = og__strdup(colon + 1);
	if (!out->username || !out->password) {
		error = og_error_oom(ctx);
		goto done;
	}
	out->origin = "--creds";
done:
	if (error)
		og_creds_dispose(out);
	return error;
}

/* Docker Hub is known under several names; they share its credentials. */
static int is_docker_hub(const char *host, size_t len)
{
	static const char *const names[] = {
		"docker.io", "index.docker.io", "registry-1.docker.io"
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == len && strncasecmp(host, names[i], len) == 0)
			return 1;
	return 0;
}

/*
 * Does an auths / credHelpers key name host? Keys are "host[:port]",
 * "https://host/v1/", "http://host", "https://host/v2/". A key with another
 * path ("host/team/app", a per-repository entry) is not matched: the lookup
 * knows only the host.
 */
static int key_matches_host(const char *key, const char *host)
{
	const char *h, *slash, *path;
	size_t hlen;

	h = key;
	if (strncasecmp(h, "https://", 8) == 0)
		h += 8;
	else if (strncasecmp(h, "http://", 7) == 0)
		h += 7;
	slash = strchr(h, '/');
	hlen = slash ? (size_t)(slash - h) : strlen(h);
	if (slash) {
		path = slash;
		if (strcmp(path, "/") && strcmp(path, "/v1") && strcmp(path, "/v1/") &&
		    strcmp(path, "/v2") && strcmp(path, "/v2/"))
			return 0;
	}
	if (hlen == strlen(host) && strncasecmp(h, host, hlen) == 0)
		return 1;
	return is_docker_hub(h, hlen) && is_docker_hub(host, strlen(host));
}

/* The member of obj whose key names host (an exact key first). */
static json_t *find_host_entry(const char **key_out, json_t *obj, const char *host)
{
	const char *key;
	json_t *value;

	*key_out = NULL;
	if (!obj)
		return NULL;
	value = json_object_get(obj, host);
	if (value) {
		*key_out = host;
		return value;
	}
	json_object_foreach(obj, key, value) {
		if (key_matches_host(key, host)) {
			*key_out = key;
			return value;
		}
	}
	return NULL;
}

/* Read a whole small file; *missing = 1 (and 0 returned) if absent. The
 * buffer may hold secrets: the caller wipes it. */
static int read_file_capped(char **out, size_t *out_len, int *missing,
	og_ctx *ctx, const char *path)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, size;
	int fd = -1, error = 0;

	*out = NULL;
	*out_len = 0;
	*missing = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR) {
			*missing = 1;
			goto done;
		}
		error = og_error_set(ctx, OG_ERROR, "auth file %s: %s", path, strerror(errno));
		goto done;
	}
	if (fstat(fd, &st) != 0) {
		error = og_error_set(ctx, OG_ERROR, "auth file %s: %s", path, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		error = og_error_set(ctx, OG_EINVALID, "auth file %s: not a regular file", path);
		goto done;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)ctx->limits.max_json) {
		error = og_error_set(ctx, OG_ELIMIT, "auth file %s: larger than %zu bytes",
			path, ctx->limits.max_json);
		goto done;
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf) {
		error = og_error_oom(ctx);
		goto done;
	}
	while (len < size) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = og_error_set(ctx, OG_ERROR, "auth file %s: %s", path,
				strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	buf = NULL;
done:
	if (fd >= 0)
		close(fd);
	if (buf) {
		wipe(buf, size);
		free(buf);
	}
	return error;
}

static int valid_helper_name(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
			return 0;
	}
	return 1;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Run `docker-credential-NAME get` with the server on stdin and collect at
 * most HELPER_MAX_OUTPUT bytes of stdout. stdin is a socket so that a helper
 * that exits without reading cannot raise SIGPIPE in this process
 * (send(MSG_NOSIGNAL); no process-wide signal state is touched).
 * *status is the waitpid status. Output is left in *out (secret).
 */
static int helper_exec(char **out, size_t *out_len, int *status, og_ctx *ctx,
	const char *prog, const char *server)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t pipe_only, none;
	int attr_init = 0;
	int fa_init = 0, sv[2] = { -1, -1 }, op[2] = { -1, -1 };
	char *argv[3];
	char *buf = NULL, *line = NULL;
	size_t len = 0;
	pid_t pid = -1;
	long long deadline;
	int error = 0, rc;

	*out = NULL;
	*out_len = 0;
	*status = 0;
	argv[0] = (char *)(uintptr_t)prog;
	argv[1] = (char *)(uintptr_t)"get";
	argv[2] = NULL;
	buf = malloc(HELPER_MAX_OUTPUT + 1);
	line = og__asprintf("%s\n", server);
	if (!buf || !line) {
		error = og_error_oom(ctx);
		goto done;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
	    pipe2(op, O_CLOEXEC) != 0) {
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"credential helper %s could not be run: %s", prog, strerror(errno));
		goto done;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"credential helper %s could not be run: %s", prog, strerror(rc));
		goto done;
	}
	fa_init = 1;
	/* The helper starts with default SIGPIPE handling and nothing blocked,
	 * whatever this process (or libcurl) set up. */
	if ((rc = posix_spawnattr_init(&attr)) != 0) {
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"credential helper %s could not be run: %s", prog, strerror(rc));
		goto done;
	}
	attr_init = 1;
	sigemptyset(&none);
	sigemptyset(&pipe_only);
	sigaddset(&pipe_only, SIGPIPE);
	if ((rc = posix_spawnattr_setsigdefault(&attr, &pipe_only)) != 0 ||
	    (rc = posix_spawnattr_setsigmask(&attr, &none)) != 0 ||
	    (rc = posix_spawnattr_setflags(&attr,
		    POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, sv[1], 0)) != 0 ||
	    (rc = posix_spawn_file_actions_adddup2(&fa, op[1], 1)) != 0 ||
	    (rc = posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0)) != 0 ||
	    (rc = posix_spawnp(&pid, prog, &fa, &attr, argv, environ)) != 0) {
		pid = -1;
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"credential helper %s could not be run: %s", prog, strerror(rc));
		goto done;
	}
	close(sv[1]);
	sv[1] = -1;
	close(op[1]);
	op[1] = -1;

	/* The request is a few bytes: it fits the socket buffer at once. A
	 * helper that does not read it is not an error here. */
	{
		size_t off = 0, n = strlen(line);

		while (off < n) {
			ssize_t w = send(sv[0], line + off, n - off, MSG_NOSIGNAL);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	close(sv[0]);
	sv[0] = -1;

	deadline = now_ms() + HELPER_TIMEOUT_MS;
	for (;;) {
		struct pollfd pfd = { op[0], POLLIN, 0 };
		long long left = deadline - now_ms();
		ssize_t n;

		if (left <= 0) {
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s did not answer within %d s", prog,
				HELPER_TIMEOUT_MS / 1000);
			goto done;
		}
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s: %s", prog, strerror(errno));
			goto done;
		}
		if (rc == 0)
			continue;
		n = read(op[0], buf + len, HELPER_MAX_OUTPUT + 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s: %s", prog, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > HELPER_MAX_OUTPUT) {
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s printed more than %zu bytes", prog,
				HELPER_MAX_OUTPUT);
			goto done;
		}
	}
	buf[len] = '\0';
	while (waitpid(pid, status, 0) < 0) {
		if (errno != EINTR) {
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s: %s", prog, strerror(errno));
			break;
		}
	}
	pid = -1;
	if (!error) {
		*out = buf;
		*out_len = len;
		buf = NULL;
	}
done:
	if (fa_init)
		posix_spawn_file_actions_destroy(&fa);
	if (attr_init)
		posix_spawnattr_destroy(&attr);
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	if (op[0] >= 0)
		close(op[0]);
	if (op[1] >= 0)
		close(op[1]);
	/* Failed before the helper was reaped: stop it, then reap it. */
	if (pid > 0) {
		int st;

		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	if (buf) {
		wipe(buf, len);
		free(buf);
	}
	free(line);
	return error;
}

/* Credentials for host from `docker-credential-NAME get`. *found = 0 when
 * the helper says it has none. */
static int helper_lookup(og_creds *out, int *found, og_ctx *ctx,
	const char *name, const char *host)
{
	char *prog = NULL, *text = NULL;
	size_t len = 0;
	int status = 0, error = 0;
	json_t *root = NULL, *user, *secret;
	json_error_t jerr;
	const char *server;

	*found = 0;
	prog = og__asprintf(HELPER_PREFIX "%s", name);
	if (!prog) {
		error = og_error_oom(ctx);
		goto done;
	}
	/* Docker keeps Hub credentials under its v1 URL; helpers expect it. */
	server = is_docker_hub(host, strlen(host)) ? DOCKER_HUB_KEY : host;
	error = helper_exec(&text, &len, &status, ctx, prog, server);
	if (error)
		goto done;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (WIFEXITED(status) && memmem(text, len, HELPER_NOT_FOUND,
		    strlen(HELPER_NOT_FOUND)))
			goto done;
		if (WIFEXITED(status))
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s failed for %s (exit status %d)",
				prog, host, WEXITSTATUS(status));
		else
			error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
				"credential helper %s failed for %s (killed by signal %d)",
				prog, host, WIFSIGNALED(status) ? WTERMSIG(status) : 0);
		goto done;
	}
	root = json_loadb(text, len, 0, &jerr);
	user = root ? json_object_get(root, "Username") : NULL;
	secret = root ? json_object_get(root, "Secret") : NULL;
	if (!json_is_object(root) || (user && !json_is_string(user)) ||
	    !json_is_string(secret)) {
		error = og_error_set_id(ctx, OG_EAUTH, "registry.auth",
			"credential helper %s printed no credentials JSON for %s",
			prog, host);
		goto done;
	}
	if (json_string_length(secret) == 0)
		goto done;
	if (user && strcmp(json_string_value(user), "<token>") == 0) {
		out->identity_token = og__strdup(json_string_value(secret));
		if (!out->identity_token) {
			error = og_error_oom(ctx);
			goto done;
		}
	} else {
		out->username = og__strdup(user ? json_string_value(user) : "");
		out->password = og__strdup(json_string_value(secret));
		if (!out->username || !out->password) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	out->origin = "credential helper";
	*found = 1;
done:
	if (error)
		og_creds_dispose(out);
	json_decref(root);
	if (text) {
		wipe(text, len);
		free(text);
	}
	free(prog);
	return error;
}

/* One auths[key] entry: {"auth": base64("user:pass")} and/or
 * {"identitytoken": "..."}. An empty entry ({} next to a credsStore) is
 * "nothing here". */
static int parse_auth_entry(og_creds *out, int *found, og_ctx *ctx,
	const char *path, const char *key, json_t *entry, const char *origin)
{
	json_t *auth, *token;
	unsigned char *dec = NULL;
	size_t dlen = 0;
	char *colon;
	int error = 0, rc;

	*found = 0;
	if (!json_is_object(entry)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: auths[\"%.200s\"] is not an object", path, key);
		goto done;
	}
	auth = json_object_get(entry, "auth");
	token = json_object_get(entry, "identitytoken");
	if (auth && !json_is_string(auth)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: auths[\"%.200s\"].auth is not a string", path, key);
		goto done;
	}
	if (token && !json_is_string(token)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: auths[\"%.200s\"].identitytoken is not a string", path, key);
		goto done;
	}
	if (auth && json_string_length(auth) > 0) {
		rc = og_base64_decode(&dec, &dlen, json_string_value(auth));
		if (rc == OG_ENOMEM) {
			error = og_error_oom(ctx);
			goto done;
		}
		if (rc) {
			error = og_error_set(ctx, OG_EINVALID,
				"auth file %s: auths[\"%.200s\"].auth is not valid base64",
				path, key);
			goto done;
		}
		colon = memchr(dec, ':', dlen);
		if (!colon || memchr(dec, '\0', dlen) ||
		    (colon == (char *)dec && !(token && json_string_length(token)))) {
			error = og_error_set(ctx, OG_EINVALID,
				"auth file %s: auths[\"%.200s\"].auth is not base64 of USER:PASSWORD",
				path, key);
			goto done;
		}
		out->username = og__strndup((char *)dec, (size_t)(colon - (char *)dec));
		out->password = og__strdup(colon + 1);
		if (!out->username || !out->password) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	if (token && json_string_length(token) > 0) {
		/* An identity token replaces the password (docker keeps the user
		 * name in "auth" with an empty password). */
		wipe_str(out->password);
		out->password = NULL;
		out->identity_token = og__strdup(json_string_value(token));
		if (!out->identity_token) {
			error = og_error_oom(ctx);
			goto done;
		}
	}
	if (out->username || out->identity_token) {
		if (out->username && !out->username[0]) {
			free(out->username);
			out->username = NULL;
		}
		out->origin = origin;
		*found = 1;
	}
done:
	if (error)
		og_creds_dispose(out);
	if (dec) {
		wipe(dec, dlen);
		free(dec);
	}
	return error;
}

/*
 * Look host up in one auth file (containers auth.json or Docker
 * config.json; both may hold credHelpers, credsStore and auths).
 * *found = 1 when credentials came out of it.
 */
static int lookup_file(og_creds *out, int *found, og_ctx *ctx, const char *path,
	const char *host, const char *origin, int must_exist)
{
	char *text = NULL;
	size_t len = 0;
	int missing = 0, error = 0;
	json_t *root = NULL, *helpers, *store, *auths, *v;
	json_error_t jerr;
	const char *key, *helper = NULL;

	*found = 0;
	error = read_file_capped(&text, &len, &missing, ctx, path);
	if (error)
		goto done;
	if (missing) {
		if (must_exist)
			error = og_error_set(ctx, OG_ENOTFOUND,
				"auth file %s: no such file", path);
		goto done;
	}
	root = json_loadb(text, len, 0, &jerr);
	/* jerr.text may quote the input (a secret): only the position. */
	if (!root) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: not valid JSON (line %d, column %d)", path,
			jerr.line, jerr.column);
		goto done;
	}
	if (!json_is_object(root)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: not a JSON object", path);
		goto done;
	}
	helpers = json_object_get(root, "credHelpers");
	if (helpers && !json_is_object(helpers)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: \"credHelpers\" is not an object", path);
		goto done;
	}
	v = find_host_entry(&key, helpers, host);
	if (v) {
		if (!json_is_string(v) || !valid_helper_name(json_string_value(v))) {
			error = og_error_set(ctx, OG_EINVALID,
				"auth file %s: credHelpers[\"%.200s\"] is not a helper name",
				path, key);
			goto done;
		}
		helper = json_string_value(v);
	}
	store = json_object_get(root, "credsStore");
	if (!helper && store) {
		if (!json_is_string(store) || (json_string_length(store) &&
		    !valid_helper_name(json_string_value(store)))) {
			error = og_error_set(ctx, OG_EINVALID,
				"auth file %s: \"credsStore\" is not a helper name", path);
			goto done;
		}
		if (json_string_length(store))
			helper = json_string_value(store);
	}
	if (helper) {
		error = helper_lookup(out, found, ctx, helper, host);
		if (error || *found)
			goto done;
	}
	auths = json_object_get(root, "auths");
	if (auths && !json_is_object(auths)) {
		error = og_error_set(ctx, OG_EINVALID,
			"auth file %s: \"auths\" is not an object", path);
		goto done;
	}
	v = find_host_entry(&key, auths, host);
	if (v)
		error = parse_auth_entry(out, found, ctx, path, key, v, origin);
done:
	json_decref(root);
	if (text) {
		wipe(text, len);
		free(text);
	}
	return error;
}

/* Look host up in dir/rel when dir (an environment value) is set. */
static int lookup_in(og_creds *out, int *found, og_ctx *ctx, const char *dir,
	const char *rel, const char *host, const char *origin)
{
	char *path;
	int error;

	*found = 0;
	if (!dir || !*dir)
		return 0;
	path = og__asprintf("%s/%s", dir, rel);
	if (!path)
		return og_error_oom(ctx);
	error = lookup_file(out, found, ctx, path, host, origin, 0);
	free(path);
	return error;
}

int og_creds_lookup(og_creds *out, og_ctx *ctx, const char *host,
	const char *explicit_userpass, const char *auth_file)
{
	const char *env, *home = getenv("HOME");
	int found = 0, error = 0;

	memset(out, 0, sizeof(*out));
	OG_ASSERT_ARG(ctx, host != NULL);
	if (explicit_userpass)
		return og_creds_parse(out, ctx, explicit_userpass);

	/* containers-auth.json: the given file replaces the default ones. */
	env = getenv("REGISTRY_AUTH_FILE");
	if (auth_file && *auth_file)
		error = lookup_file(out, &found, ctx, auth_file, host, "auth.json", 1);
	else if (env && *env)
		error = lookup_file(out, &found, ctx, env, host, "auth.json", 0);
	else {
		error = lookup_in(out, &found, ctx, getenv("XDG_RUNTIME_DIR"),
			"containers/auth.json", host, "auth.json");
		if (!error && !found)
			error = lookup_in(out, &found, ctx, home,
				".config/containers/auth.json", host, "auth.json");
	}
	if (error || found)
		goto done;

	env = getenv("DOCKER_CONFIG");
	if (env && *env)
		error = lookup_in(out, &found, ctx, env, "config.json", host, "config.json");
	else
		error = lookup_in(out, &found, ctx, home, ".docker/config.json", host,
			"config.json");
done:
	if (error)
		og_creds_dispose(out);
	return error;
}

/* ------------------------------------------------------------------ */
/* WWW-Authenticate (RFC 7235 section 4.1, RFC 7230 section 3.2.6) */

static int is_tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static int is_token68_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || (c && strchr("-._~+/", c));
}

static void skip_ows(const char **p)
{
	while (**p == ' ' || **p == '\t')
		(*p)++;
}

static size_t token_len(const char *p)
{
	size_t n = 0;

	while (is_tchar(p[n]))
		n++;
	return n;
}

/* After a token at p: is this "name = ..." (an auth-param) rather than a
 * token68 ("abc==") or a new scheme? */
static int starts_param(const char *p)
{
	size_t n = token_len(p);

	if (n == 0)
		return 0;
	p += n;
	skip_ows(&p);
	if (*p != '=')
		return 0;
	p++;
	skip_ows(&p);
	/* "x==" / "x=" then end or comma: a token68 with padding. */
	return *p && *p != '=' && *p != ',';
}

/* Parse a token or quoted-string value at *p into a new string. */
static int parse_value(char **out, const char **p)
{
	const char *s = *p;
	char *v, *o;
	size_t n;

	*out = NULL;
	if (*s != '"') {
		n = token_len(s);
		if (n == 0)
			return OG_EINVALID;
		if (!(*out = og__strndup(s, n)))
			return OG_ENOMEM;
		*p = s + n;
		return 0;
	}
	s++;
	v = malloc(strlen(s) + 1);
	if (!v)
		return OG_ENOMEM;
	o = v;
	for (;;) {
		unsigned char c = (unsigned char)*s;

		if (c == '"')
			break;
		if (c == '\\') {
			s++;
			c = (unsigned char)*s;
			if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f)
				goto bad;
		} else if (c == '\0' || (c < 0x20 && c != '\t') || c == 0x7f) {
			goto bad;
		}
		*o++ = (char)c;
		s++;
	}
	*o = '\0';
	*out = v;
	*p = s + 1;
	return 0;
bad:
	free(v);
	return OG_EINVALID;
}

static char **challenge_field(og_challenge *c, const char *name, size_t len)
{
	if (len == 5 && strncasecmp(name, "realm", 5) == 0)
		return &c->realm;
	if (len == 7 && strncasecmp(name, "service", 7) == 0)
		return &c->service;
	if (len == 5 && strncasecmp(name, "scope", 5) == 0)
		return &c->scope;
	if (len == 5 && strncasecmp(name, "error", 5) == 0)
		return &c->error;
	return NULL;
}

void og_challenge_dispose(og_challenge *c)
{
	if (!c)
		return;
	free(c->scheme);
	free(c->realm);
	free(c->service);
	free(c->scope);
	free(c->error);
	memset(c, 0, sizeof(*c));
}

static void challenge_move(og_challenge *dst, og_challenge *src)
{
	og_challenge_dispose(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

int og_challenge_parse(og_challenge *out, og_ctx *ctx, const char *header)
{
	og_challenge cur = { 0 }, bearer = { 0 }, basic = { 0 };
	const char *p = header;
	int error = 0, rc, bearer_no_realm = 0;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (!header) {
		error = og_error_set(ctx, OG_EINVALID, "WWW-Authenticate: no header");
		goto done;
	}
	for (;;) {
		/* #rule: empty list elements are allowed. */
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		n = token_len(p);
		if (n == 0)
			goto syntax;
		if (!(cur.scheme = og__strndup(p, n)))
			goto oom;
		p += n;
		if (*p && *p != ' ' && *p != '\t' && *p != ',')
			goto syntax;
		skip_ows(&p);
		if (*p && *p != ',' && !starts_param(p)) {
			/* token68 */
			n = 0;
			while (is_token68_char(p[n]))
				n++;
			if (n == 0)
				goto syntax;
			p += n;
			while (*p == '=')
				p++;
			skip_ows(&p);
			if (*p && *p != ',')
				goto syntax;
		} else {
			while (*p && starts_param(p)) {
				const char *name = p;
				size_t nlen = token_len(p);
				char *value = NULL, **field;

				p += nlen;
				skip_ows(&p);
				p++; /* '=' */
				skip_ows(&p);
				rc = parse_value(&value, &p);
				if (rc == OG_ENOMEM)
					goto oom;
				if (rc)
					goto syntax;
				field = challenge_field(&cur, name, nlen);
				if (field && !*field)
					*field = value;
				else
					free(value);
				skip_ows(&p);
				if (*p && *p != ',')
					goto syntax;
				/* Past the commas: another param, or the next challenge. */
				while (*p == ' ' || *p == '\t' || *p == ',')
					p++;
			}
		}
		if (strcasecmp(cur.scheme, "Bearer") == 0) {
			if (!cur.realm || !*cur.realm)
				bearer_no_realm = 1;
			else if (!bearer.scheme)
				challenge_move(&bearer, &cur);
		} else if (strcasecmp(cur.scheme, "Basic") == 0 && !basic.scheme) {
			challenge_move(&basic, &cur);
		}
		og_challenge_dispose(&cur);
	}
	if (bearer.scheme)
		challenge_move(out, &bearer);
	else if (basic.scheme)
		challenge_move(out, &basic);
	else if (bearer_no_realm)
		error = og_error_set(ctx, OG_EINVALID,
			"WWW-Authenticate: Bearer challenge without a realm");
	else
		error = og_error_set(ctx, OG_EINVALID,
			"WWW-Authenticate: no Bearer or Basic challenge in \"%.100s\"", header);
	goto done;
syntax:
	error = og_error_set(ctx, OG_EINVALID,
		"WWW-Authenticate: malformed at offset %zu of \"%.100s\"",
		(size_t)(p - header), header);
	goto done;
oom:
	error = og_error_oom(ctx);
done:
	og_challenge_dispose(&cur);
	og_challenge_dispose(&bearer);
	og_challenge_dispose(&basic);
	if (error)
		og_challenge_dispose(out);
	return error;
}
