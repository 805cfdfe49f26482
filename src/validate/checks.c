/*
 * The metadata checks of the policy (CHECKS.md, "Metadata policy").
 *
 * Everything read from the image (config, annotations, /etc/passwd) is
 * untrusted: a member of the wrong JSON type is treated as absent, and any
 * image string put in a message is clipped and stripped of control
 * characters. Each check is recorded as ran whenever the policy enables it,
 * passing or not, so a report can list what was checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "checks.h"

/* Bytes of an image-supplied value shown in a message. */
#define CLIP_VALUE 100
/* Bytes of a name (key, path, digest, pattern) shown in a message. */
#define CLIP_NAME 200
/* Exposed ports reported one by one; the rest are counted in one finding. */
#define MAX_PORT_FINDINGS 64
/* Options looked at after a shell, looking for -c. */
#define MAX_SHELL_OPTIONS 16

/* ----------------------------------------------------------- helpers */

/*
 * Copy at most `max` bytes of s into out (cap >= max + 4), ending on a
 * UTF-8 character boundary, with control characters replaced by '?' and
 * "..." appended when cut. Returns out.
 */
static const char *clip(char *out, size_t cap, const char *s, size_t max)
{
	size_t len, n, i;
	int cut;

	if (!s)
		s = "";
	if (max + 4 > cap)
		max = cap - 4;
	len = strlen(s);
	cut = len > max;
	n = cut ? max : len;
	while (cut && n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		out[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (cut) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
	return out;
}

/*
 * "512 B", "2 GiB", "2.1 GiB". When one decimal hides the difference from a
 * round number ("2.0 GiB"), the exact byte count follows, so a value just
 * over a limit never reads as equal to it.
 */
static const char *fmt_size(char *buf, size_t cap, uint64_t n)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
	uint64_t div = 1;
	size_t u = 0, len;

	while (u + 1 < sizeof(units) / sizeof(units[0]) && n / div >= 1024) {
		div *= 1024;
		u++;
	}
	if (n % div == 0) {
		snprintf(buf, cap, "%llu %s", (unsigned long long)(n / div), units[u]);
		return buf;
	}
	snprintf(buf, cap, "%.1f %s", (double)n / (double)div, units[u]);
	len = strlen(buf);
	if (strstr(buf, ".0 ") != NULL)
		snprintf(buf + len, cap - len, " (%llu bytes)", (unsigned long long)n);
	return buf;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static json_t *obj_get(const json_t *o, const char *key)
{
	return json_is_object(o) ? json_object_get(o, key) : NULL;
}

/* A string member; NULL if absent or not a string. */
static const char *str_get(const json_t *o, const char *key)
{
	json_t *v = obj_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* config.config (the runtime configuration), or NULL. */
static json_t *runtime(const og_image_facts *img)
{
	json_t *c = obj_get(img->config, "config");

	return json_is_object(c) ? c : NULL;
}

/* Absent, null, "", [] or {}. */
static int is_empty(const json_t *v)
{
	return !v || json_is_null(v) ||
	       (json_is_string(v) && json_string_length(v) == 0) ||
	       (json_is_array(v) && json_array_size(v) == 0) ||
	       (json_is_object(v) && json_object_size(v) == 0);
}

/*
 * A label: config.config.Labels first, then the manifest annotations. An
 * empty value in the labels falls through to the annotations; the result is
 * NULL when neither has a string, "" when only an empty one exists.
 */
static const char *label_value(const og_image_facts *img, const char *key)
{
	const char *v = str_get(obj_get(runtime(img), "Labels"), key);
	const char *a;

	if (v && *v)
		return v;
	a = str_get(img->manifest_annotations, key);
	if (a && *a)
		return a;
	return v ? v : a;
}

static int add(og_report *r, const char *id)
{
	return og_report__add_check(r, id);
}

/* -------------------------------------------------------------- sizes */

static int check_sizes(og_report *r, const og_policy *p, const og_image_facts *img)
{
	char a[96], b[96], subj[CLIP_NAME + 4];
	uint64_t total = img->config_size, size;
	size_t i;
	int error = 0;

	if (p->max_compressed || p->min_compressed) {
		if ((error = add(r, "size.total")) < 0)
			goto done;
		for (i = 0; img->layer_sizes && i < img->layer_count; i++)
			total = sat_add(total, img->layer_sizes[i]);
		if (p->max_compressed && total > p->max_compressed)
			error = og_findings_add(&r->findings, "size.total", img->manifest_digest,
				"compressed size %s (%zu layers and the config) is over the %s limit",
				fmt_size(a, sizeof(a), total), img->layer_count,
				fmt_size(b, sizeof(b), p->max_compressed));
		else if (p->min_compressed && total < p->min_compressed)
			error = og_findings_add(&r->findings, "size.total", img->manifest_digest,
				"compressed size %s (%zu layers and the config) is under the %s minimum",
				fmt_size(a, sizeof(a), total), img->layer_count,
				fmt_size(b, sizeof(b), p->min_compressed));
		if (error < 0)
			goto done;
	}

	if (p->max_layer) {
		if ((error = add(r, "size.layer")) < 0)
			goto done;
		for (i = 0; img->layer_sizes && i < img->layer_count; i++) {
			size = img->layer_sizes[i];
			if (size <= p->max_layer)
				continue;
			if (img->layer_digests && img->layer_digests[i])
				clip(subj, sizeof(subj), img->layer_digests[i], CLIP_NAME);
			else
				snprintf(subj, sizeof(subj), "%zu", i);
			if ((error = og_findings_add(&r->findings, "size.layer", subj,
			     "layer %zu is %s, over the %s per-layer limit", i,
			     fmt_size(a, sizeof(a), size),
			     fmt_size(b, sizeof(b), p->max_layer))) < 0)
				goto done;
		}
	}

	if (p->max_uncompressed) {
		if ((error = add(r, "size.uncompressed")) < 0)
			goto done;
		/* A limit that fired while decompressing was reported by the
		 * pipeline. A partial total already over the limit is a sure
		 * finding even when some layers were not decompressed. */
		if (!img->uncompressed_stopped && img->uncompressed_total > p->max_uncompressed &&
		    (error = og_findings_add(&r->findings, "size.uncompressed", img->manifest_digest,
		     "uncompressed size %s%s is over the %s limit",
		     fmt_size(a, sizeof(a), img->uncompressed_total),
		     img->uncompressed_known ? "" : " (of the layers decompressed)",
		     fmt_size(b, sizeof(b), p->max_uncompressed))) < 0)
			goto done;
	}

	if (p->max_layers) {
		if ((error = add(r, "layer.count")) < 0)
			goto done;
		if (img->layer_count > p->max_layers &&
		    (error = og_findings_add(&r->findings, "layer.count", img->manifest_digest,
		     "%zu layers, over the limit of %u", img->layer_count, p->max_layers)) < 0)
			goto done;
	}

done:
	return error;
}

/* ----------------------------------------------------------- platforms */

/* "os/arch[/variant]" as views into a string (no allocation). */
typedef struct plat {
	const char *os, *arch, *variant;
	size_t os_len, arch_len, variant_len;
} plat;

/* 0, or -1 when os or arch is empty. The variant is everything after the
 * second '/' (a string with more parts then matches no real variant). */
static int plat_parse(plat *out, const char *s)
{
	const char *a, *b;

	memset(out, 0, sizeof(*out));
	if (!s || !(a = strchr(s, '/')) || a == s)
		return -1;
	out->os = s;
	out->os_len = (size_t)(a - s);
	out->arch = a + 1;
	b = strchr(a + 1, '/');
	out->arch_len = b ? (size_t)(b - a - 1) : strlen(a + 1);
	if (out->arch_len == 0)
		return -1;
	out->variant = b ? b + 1 : "";
	out->variant_len = strlen(out->variant);
	return 0;
}

static int span_is(const char *s, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(s, lit, n) == 0;
}

static int span_eq(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* The architecture under its GOARCH name (uname spellings folded). */
static void arch_norm(const char **s, size_t *n)
{
	if (span_is(*s, *n, "aarch64")) {
		*s = "arm64";
		*n = 5;
	} else if (span_is(*s, *n, "x86_64") || span_is(*s, *n, "x86-64")) {
		*s = "amd64";
		*n = 5;
	}
}

/*
 * The variant in canonical form (arch already normalised). arm64 has one
 * variant in practice: "", "8", "v8" and "v8.0" all mean v8; arm without a
 * variant is v7 and a bare digit gets its 'v'. `implicit` fills an empty
 * variant with the default (the image side only: on the policy side an
 * empty variant means any variant).
 */
static void variant_norm(const char **s, size_t *n, const char *arch, size_t arch_len,
	int implicit)
{
	static const char *const arm[] = { "v5", "v6", "v7", "v8" };

	if (span_is(arch, arch_len, "arm64")) {
		if ((*n == 0 && implicit) || span_is(*s, *n, "8") || span_is(*s, *n, "v8.0")) {
			*s = "v8";
			*n = 2;
		}
	} else if (span_is(arch, arch_len, "arm")) {
		if (*n == 0 && implicit) {
			*s = "v7";
			*n = 2;
		} else if (*n == 1 && (*s)[0] >= '5' && (*s)[0] <= '8') {
			*s = arm[(*s)[0] - '5'];
			*n = 2;
		}
	}
}

/* 1 if the image platform `have` satisfies the policy entry `want`. */
static int plat_match(const char *want, plat h)
{
	plat w;

	if (plat_parse(&w, want) < 0)
		return 0;
	arch_norm(&w.arch, &w.arch_len);
	arch_norm(&h.arch, &h.arch_len);
	if (!span_eq(w.os, w.os_len, h.os, h.os_len) ||
	    !span_eq(w.arch, w.arch_len, h.arch, h.arch_len))
		return 0;
	if (w.variant_len == 0)
		return 1;
	variant_norm(&w.variant, &w.variant_len, w.arch, w.arch_len, 0);
	variant_norm(&h.variant, &h.variant_len, h.arch, h.arch_len, 1);
	return span_eq(w.variant, w.variant_len, h.variant, h.variant_len);
}

/*
 * platform.missing_field, always; platform.unsupported with an allowed list.
 * The platform compared is the config's own os/architecture/variant fields
 * (not a string built from them, which an "os" holding a '/' could forge).
 */
static int check_platform(og_report *r, const og_policy *p, const og_image_facts *img)
{
	const char *os = str_get(img->config, "os");
	const char *arch = str_get(img->config, "architecture");
	const char *variant = str_get(img->config, "variant");
	char s_os[CLIP_VALUE + 4], s_arch[CLIP_VALUE + 4], s_var[CLIP_VALUE + 4];
	int missing_os = !os || !*os, missing_arch = !arch || !*arch;
	plat have;
	size_t i;
	int error;

	if ((error = add(r, "platform.missing_field")) < 0)
		goto done;
	if ((missing_os || missing_arch) &&
	    (error = og_findings_add(&r->findings, "platform.missing_field", img->manifest_digest,
	     "the config lacks %s", missing_os && missing_arch ? "\"os\" and \"architecture\"" :
	     missing_os ? "\"os\"" : "\"architecture\"")) < 0)
		goto done;

	if (p->platforms_allowed.count == 0)
		goto done;
	if ((error = add(r, "platform.unsupported")) < 0)
		goto done;
	/* Without os and architecture there is no platform to compare:
	 * platform.missing_field says so already. */
	if (missing_os || missing_arch)
		goto done;
	if (!variant)
		variant = "";
	have.os = os;
	have.os_len = strlen(os);
	have.arch = arch;
	have.arch_len = strlen(arch);
	have.variant = variant;
	have.variant_len = strlen(variant);
	for (i = 0; i < p->platforms_allowed.count; i++)
		if (plat_match(p->platforms_allowed.items[i], have))
			goto done;
	error = og_findings_add(&r->findings, "platform.unsupported", img->manifest_digest,
		"platform %s/%s%s%s is not in the allowed list",
		clip(s_os, sizeof(s_os), os, CLIP_VALUE), clip(s_arch, sizeof(s_arch), arch, CLIP_VALUE),
		*variant ? "/" : "", clip(s_var, sizeof(s_var), variant, CLIP_VALUE));

done:
	return error;
}

int og_checks_platforms(og_report *r, const og_policy *p,
	const char *const *platforms, size_t count, const char *subject)
{
	char want[CLIP_NAME + 4], where[CLIP_NAME + 4];
	plat have;
	size_t i, j;
	int error = 0;

	if (!r || !p)
		return OG_EINVALID;
	if (p->platforms_required.count == 0)
		goto done;
	if ((error = add(r, "platform.required_missing")) < 0)
		goto done;
	for (i = 0; i < p->platforms_required.count; i++) {
		const char *req = p->platforms_required.items[i];

		for (j = 0; platforms && j < count; j++)
			if (plat_parse(&have, platforms[j]) == 0 && plat_match(req, have))
				break;
		if (platforms && j < count)
			continue;
		clip(want, sizeof(want), req, CLIP_NAME);
		if (subject)
			error = og_findings_add(&r->findings, "platform.required_missing", want,
				"index %s has no %s image", clip(where, sizeof(where), subject, CLIP_NAME),
				want);
		else
			error = og_findings_add(&r->findings, "platform.required_missing", want,
				"the image has no %s platform", want);
		if (error < 0)
			goto done;
	}

done:
	return error;
}

/* -------------------------------------------------------------- labels */

static int check_labels(og_report *r, const og_policy *p, const og_image_facts *img)
{
	char key[CLIP_NAME + 4], val[CLIP_VALUE + 4], pat[CLIP_NAME + 4];
	const char *v;
	size_t i;
	int error = 0;

	if (p->labels_required.count) {
		if ((error = add(r, "labels.missing")) < 0)
			goto done;
		for (i = 0; i < p->labels_required.count; i++) {
			v = label_value(img, p->labels_required.items[i]);
			if (v && *v)
				continue;
			clip(key, sizeof(key), p->labels_required.items[i], CLIP_NAME);
			if ((error = og_findings_add(&r->findings, "labels.missing", key,
			     "required label %s is %s", key, v ? "empty" :
			     "absent (neither a config label nor a manifest annotation)")) < 0)
				goto done;
		}
	}

	if (p->label_match_count) {
		if ((error = add(r, "labels.invalid")) < 0)
			goto done;
		for (i = 0; i < p->label_match_count; i++) {
			const og_policy_match *m = &p->label_match[i];

			/* An absent key is labels.missing's business. */
			if (!(v = label_value(img, m->key)))
				continue;
			if (regexec(&m->re, v, 0, NULL, 0) == 0)
				continue;
			clip(key, sizeof(key), m->key, CLIP_NAME);
			if ((error = og_findings_add(&r->findings, "labels.invalid", key,
			     "label %s = \"%s\" does not match %s", key,
			     clip(val, sizeof(val), v, CLIP_VALUE),
			     clip(pat, sizeof(pat), m->pattern, CLIP_NAME))) < 0)
				goto done;
		}
	}

done:
	return error;
}

/* ---------------------------------------------------------- entrypoint */

/* An argv array whose argv[0] is a non-empty string, or NULL. */
static json_t *argv_get(const json_t *rt, const char *key)
{
	json_t *a = obj_get(rt, key);
	json_t *first = json_array_get(a, 0);

	if (!json_is_string(first) || json_string_length(first) == 0)
		return NULL;
	return a;
}

/* argv[i] of the process: Entrypoint followed by Cmd (or Cmd alone when
 * there is no Entrypoint). NULL past the end or for a non-string. */
static const char *argv_at(const json_t *ep, const json_t *cmd, size_t i)
{
	json_t *v;

	if (ep) {
		if (i < json_array_size(ep)) {
			v = json_array_get(ep, i);
			return json_is_string(v) ? json_string_value(v) : NULL;
		}
		i -= json_array_size(ep);
	}
	v = json_array_get(cmd, i);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A shell: sh, bash, ash, dash, zsh, ksh bare or in /bin, /usr/bin,
 * /usr/local/bin or /busybox. */
static int is_shell(const char *a)
{
	static const char *const dirs[] = { "/bin/", "/usr/bin/", "/usr/local/bin/", "/busybox/" };
	static const char *const shells[] = { "sh", "bash", "ash", "dash", "zsh", "ksh" };
	size_t i, n;

	if (!a)
		return 0;
	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		n = strlen(dirs[i]);
		if (strncmp(a, dirs[i], n) == 0) {
			a += n;
			break;
		}
	}
	if (strchr(a, '/'))
		return 0;
	for (i = 0; i < sizeof(shells) / sizeof(shells[0]); i++)
		if (strcmp(a, shells[i]) == 0)
			return 1;
	return 0;
}

/*
 * Shell form: a shell as argv[0] running a command string, i.e. "-c" among
 * the options that follow it. Besides the plain `sh -c`, this catches
 * clusters ("-ec", "-lc") and what Dockerfile SHELL produces
 * (`bash -o pipefail -c`); "-o"/"+o" take an argument, "--" ends options.
 */
static int shell_form(const json_t *ep, const json_t *cmd)
{
	const char *a;
	size_t i;

	if (!is_shell(argv_at(ep, cmd, 0)))
		return 0;
	for (i = 1; i <= MAX_SHELL_OPTIONS; i++) {
		a = argv_at(ep, cmd, i);
		if (!a || (a[0] != '-' && a[0] != '+') || strcmp(a, "--") == 0)
			return 0;
		if (strcmp(a, "-o") == 0 || strcmp(a, "+o") == 0)
			i++;
		else if (a[0] == '-' && a[1] != '-' && strchr(a + 1, 'c'))
			return 1;
	}
	return 0;
}

/*
 * entrypoint.missing: neither Entrypoint nor Cmd has an argv[0].
 * entrypoint.invalid: shell form (with exec_form), and an absolute argv[0]
 * that is not in the final filesystem (when the layers were walked). A
 * relative argv[0] is looked up in PATH at run time, which depends on the
 * runtime's environment, so it is not checked.
 */
static int check_entrypoint(og_report *r, const og_policy *p, const og_image_facts *img)
{
	json_t *rt = runtime(img);
	json_t *ep = argv_get(rt, "Entrypoint");
	json_t *cmd = json_is_array(obj_get(rt, "Cmd")) ? obj_get(rt, "Cmd") : NULL;
	const char *a0;
	char shown[CLIP_NAME + 4];
	/* Whatever the policy says, an absolute argv[0] must exist. */
	int check_path = img->exists != NULL;
	int error = 0;

	if (!ep && !argv_get(rt, "Cmd"))
		cmd = NULL;
	a0 = argv_at(ep, cmd, 0);

	if (p->entrypoint_required) {
		if ((error = add(r, "entrypoint.missing")) < 0)
			goto done;
		if (!a0 && (error = og_findings_add(&r->findings, "entrypoint.missing",
		     img->manifest_digest, "the config has neither Entrypoint nor Cmd")) < 0)
			goto done;
	}

	if (!p->entrypoint_exec_form && !check_path)
		goto done;
	if ((error = add(r, "entrypoint.invalid")) < 0)
		goto done;
	if (p->entrypoint_exec_form && shell_form(ep, cmd) &&
	    (error = og_findings_add(&r->findings, "entrypoint.invalid", img->manifest_digest,
	     "%s is in shell form (%s -c ...): exec form is required",
	     ep ? "Entrypoint" : "Cmd", clip(shown, sizeof(shown), a0, CLIP_NAME))) < 0)
		goto done;
	if (check_path && a0 && a0[0] == '/' && img->exists(img->fs, a0) == 0 &&
	    (error = og_findings_add(&r->findings, "entrypoint.invalid", img->manifest_digest,
	     "%s %s not found in the image's filesystem", ep ? "Entrypoint" : "Cmd",
	     clip(shown, sizeof(shown), a0, CLIP_NAME))) < 0)
		goto done;

done:
	return error;
}

/* ---------------------------------------------------------------- user */

static int all_zeros(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* 1 if /etc/passwd gives `name` uid 0 (the first entry for a name wins, as
 * with getpwnam). Lines: name:password:uid:gid:gecos:home:shell. */
static int passwd_uid0(const char *pw, size_t len, const char *name, size_t nlen)
{
	const char *line = pw, *end = pw + len, *eol, *f, *g;

	while (line < end) {
		eol = memchr(line, '\n', (size_t)(end - line));
		if (!eol)
			eol = end;
		if ((size_t)(eol - line) > nlen && memcmp(line, name, nlen) == 0 &&
		    line[nlen] == ':') {
			f = line + nlen + 1;
			if (!(f = memchr(f, ':', (size_t)(eol - f))))
				return 0;
			f++;
			g = memchr(f, ':', (size_t)(eol - f));
			return all_zeros(f, (size_t)((g ? g : eol) - f));
		}
		line = eol + 1;
	}
	return 0;
}

/*
 * user.root: User unset or empty, "root", uid 0, or a name /etc/passwd maps
 * to uid 0; the group part ("user:group") does not matter. A name that
 * cannot be resolved (no /etc/passwd, or not in it) is not reported: the
 * runtime would refuse to start such an image rather than run it as root.
 */
static int check_user(og_report *r, const og_policy *p, const og_image_facts *img)
{
	const char *user = str_get(runtime(img), "User");
	const char *colon;
	char shown[CLIP_VALUE + 4];
	size_t nlen;
	int error = 0;

	if (!p->user_non_root)
		goto done;
	if ((error = add(r, "user.root")) < 0)
		goto done;
	if (!user || !*user) {
		error = og_findings_add(&r->findings, "user.root", img->manifest_digest,
			"no User is set: the image runs as root");
		goto done;
	}
	colon = strchr(user, ':');
	nlen = colon ? (size_t)(colon - user) : strlen(user);
	clip(shown, sizeof(shown), user, CLIP_VALUE);
	if (nlen == 0 || (nlen == 4 && memcmp(user, "root", 4) == 0) ||
	    all_zeros(user, nlen))
		error = og_findings_add(&r->findings, "user.root", img->manifest_digest,
			"the image runs as root (User \"%s\")", shown);
	else if (!all_digits(user, nlen) && img->passwd &&
		 passwd_uid0(img->passwd, img->passwd_len, user, nlen))
		error = og_findings_add(&r->findings, "user.root", img->manifest_digest,
			"the image runs as root (User \"%s\" is uid 0 in /etc/passwd)", shown);

done:
	return error;
}

/* ------------------------------------------------------------ metadata */

/*
 * metadata.incomplete: each required field absent, null, "", [] or {}.
 * "created", "os.version", "history"... name top-level config fields;
 * "config.Env", "config.User"... name fields of config.config.
 */
static int check_metadata(og_report *r, const og_policy *p, const og_image_facts *img)
{
	char shown[CLIP_NAME + 4];
	const char *field;
	json_t *v;
	size_t i;
	int error = 0;

	if (!p->metadata_required.count)
		goto done;
	if ((error = add(r, "metadata.incomplete")) < 0)
		goto done;
	for (i = 0; i < p->metadata_required.count; i++) {
		field = p->metadata_required.items[i];
		if (strncmp(field, "config.", 7) == 0)
			v = obj_get(runtime(img), field + 7);
		else
			v = obj_get(img->config, field);
		if (!is_empty(v))
			continue;
		clip(shown, sizeof(shown), field, CLIP_NAME);
		if ((error = og_findings_add(&r->findings, "metadata.incomplete", shown,
		     "required config field %s is %s", shown, v && !json_is_null(v) ?
		     "empty" : "absent")) < 0)
			goto done;
	}

done:
	return error;
}

/* history.mismatch: the history entries that made a layer (those without
 * "empty_layer": true) must be as many as the layers. */
static int check_history(og_report *r, const og_policy *p, const og_image_facts *img)
{
	json_t *h = obj_get(img->config, "history");
	size_t i, n = 0;
	int error = 0;

	if (!p->history_match_layers)
		goto done;
	if ((error = add(r, "history.mismatch")) < 0)
		goto done;
	if (!json_is_array(h) || json_array_size(h) == 0)
		goto done;
	for (i = 0; i < json_array_size(h); i++)
		if (!json_is_true(obj_get(json_array_get(h, i), "empty_layer")))
			n++;
	if (n != img->layer_count)
		error = og_findings_add(&r->findings, "history.mismatch", img->manifest_digest,
			"history has %zu entries that made a layer, the manifest %zu layers",
			n, img->layer_count);

done:
	return error;
}

/*
 * annotations.missing: the recommended org.opencontainers.image.* keys, as
 * a label or a manifest annotation. Kept to the ones that identify a build
 * and its provenance: created, source, revision, version, licenses (title,
 * description, url, vendor... are nice to have, not worth a finding).
 */
static int check_annotations(og_report *r, const og_policy *p, const og_image_facts *img)
{
	static const char *const recommended[] = {
		"org.opencontainers.image.created",
		"org.opencontainers.image.source",
		"org.opencontainers.image.revision",
		"org.opencontainers.image.version",
		"org.opencontainers.image.licenses",
	};
	const char *v;
	size_t i;
	int error = 0;

	if (!p->annotations_recommended)
		goto done;
	if ((error = add(r, "annotations.missing")) < 0)
		goto done;
	for (i = 0; i < sizeof(recommended) / sizeof(recommended[0]); i++) {
		v = label_value(img, recommended[i]);
		if (v && *v)
			continue;
		if ((error = og_findings_add(&r->findings, "annotations.missing", recommended[i],
		     "recommended %s is neither a label nor a manifest annotation",
		     recommended[i])) < 0)
			goto done;
	}

done:
	return error;
}

/* ----------------------------------------------------------------- env */

/* 1 if Env has "NAME=..." (or a bare "NAME"). */
static int env_is_set(const json_t *env, const char *name)
{
	size_t i, n = strlen(name);
	const char *s;

	for (i = 0; i < json_array_size(env); i++) {
		s = json_string_value(json_array_get(env, i));
		if (s && strncmp(s, name, n) == 0 && (s[n] == '=' || s[n] == '\0'))
			return 1;
	}
	return 0;
}

/* env.missing / env.forbidden. A forbidden variable's value is never
 * printed: it is the secret the check is there to catch. */
static int check_env(og_report *r, const og_policy *p, const og_image_facts *img)
{
	json_t *env = obj_get(runtime(img), "Env");
	char name[CLIP_NAME + 4];
	size_t i;
	int error = 0;

	if (!json_is_array(env))
		env = NULL;
	if (p->env_required.count) {
		if ((error = add(r, "env.missing")) < 0)
			goto done;
		for (i = 0; i < p->env_required.count; i++) {
			if (env_is_set(env, p->env_required.items[i]))
				continue;
			clip(name, sizeof(name), p->env_required.items[i], CLIP_NAME);
			if ((error = og_findings_add(&r->findings, "env.missing", name,
			     "required environment variable %s is not set in the config", name)) < 0)
				goto done;
		}
	}
	if (p->env_forbidden.count) {
		if ((error = add(r, "env.forbidden")) < 0)
			goto done;
		for (i = 0; i < p->env_forbidden.count; i++) {
			if (!env_is_set(env, p->env_forbidden.items[i]))
				continue;
			clip(name, sizeof(name), p->env_forbidden.items[i], CLIP_NAME);
			if ((error = og_findings_add(&r->findings, "env.forbidden", name,
			     "forbidden environment variable %s is set in the config "
			     "(value not shown)", name)) < 0)
				goto done;
		}
	}

done:
	return error;
}

/* --------------------------------------------------------------- ports */

/* A decimal port 1..65535 at *s (advanced past it). 0 on failure. */
static unsigned int parse_port(const char **s)
{
	unsigned int v = 0;
	size_t n = 0;

	while (**s >= '0' && **s <= '9' && n < 6) {
		v = v * 10 + (unsigned int)(**s - '0');
		(*s)++;
		n++;
	}
	return n == 0 || v == 0 || v > 65535 ? 0 : v;
}

/* An ExposedPorts key: "8080", "8080/tcp", "53/udp", "8000-8010/tcp".
 * 0 with the range, or -1 when it is not one of those. */
static int parse_port_key(unsigned int *lo, unsigned int *hi, const char *key)
{
	const char *s = key;

	if (!(*lo = parse_port(&s)))
		return -1;
	*hi = *lo;
	if (*s == '-') {
		s++;
		if (!(*hi = parse_port(&s)) || *hi < *lo)
			return -1;
	}
	return *s == '\0' || *s == '/' ? 0 : -1;
}

static int port_allowed(const og_policy *p, unsigned int port)
{
	size_t i;

	for (i = 0; i < p->ports_allowed_count; i++)
		if (p->ports_allowed[i] == port)
			return 1;
	return 0;
}

/* port.not_allowed: each exposed port (any protocol) must be in the list;
 * a range must be wholly in it; a key that is not a port is reported. */
static int check_ports(og_report *r, const og_policy *p, const og_image_facts *img)
{
	json_t *ports = obj_get(runtime(img), "ExposedPorts");
	char shown[CLIP_NAME + 4];
	const char *key;
	json_t *v;
	unsigned int lo, hi, port;
	size_t reported = 0, more = 0;
	int error = 0, bad;

	if (!p->ports_set)
		goto done;
	if ((error = add(r, "port.not_allowed")) < 0)
		goto done;
	if (!json_is_object(ports))
		goto done;
	json_object_foreach(ports, key, v) {
		bad = parse_port_key(&lo, &hi, key) < 0;
		for (port = lo; !bad && port <= hi; port++)
			bad = !port_allowed(p, port);
		if (!bad)
			continue;
		if (reported == MAX_PORT_FINDINGS) {
			more++;
			continue;
		}
		reported++;
		clip(shown, sizeof(shown), key, CLIP_NAME);
		if ((error = og_findings_add(&r->findings, "port.not_allowed", shown,
		     "exposed port %s is not in the allowed list", shown)) < 0)
			goto done;
	}
	if (more)
		error = og_findings_add(&r->findings, "port.not_allowed", "",
			"%zu more exposed ports are not in the allowed list", more);

done:
	return error;
}

/* --------------------------------------------------------------- entry */

int og_checks_image(og_report *r, const og_policy *p, const og_image_facts *img)
{
	int error;

	if (!r || !p || !img)
		return OG_EINVALID;
	if ((error = check_sizes(r, p, img)) < 0 ||
	    (error = check_platform(r, p, img)) < 0 ||
	    (error = check_labels(r, p, img)) < 0 ||
	    (error = check_entrypoint(r, p, img)) < 0 ||
	    (error = check_user(r, p, img)) < 0 ||
	    (error = check_metadata(r, p, img)) < 0 ||
	    (error = check_history(r, p, img)) < 0 ||
	    (error = check_annotations(r, p, img)) < 0 ||
	    (error = check_env(r, p, img)) < 0 ||
	    (error = check_ports(r, p, img)) < 0)
		goto done;

done:
	return error;
}
