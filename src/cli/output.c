/* Option values shared by the subcommands, and writing results out. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

int og_cli__parse_format(og_format_t *out, const char *command, const char *arg,
	int reports)
{
	og_format_t f;

	if (og_format_parse(&f, arg) < 0 || (!reports && f > OG_FORMAT_JSON))
		return og_cli__usage_error(command, "invalid --format '%s' (%s)", arg, reports ?
			"text, json, markdown, github, junit, sarif or errorlog" : "text or json");
	*out = f;
	return 0;
}

int og_cli__append_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "a");
	int ok;

	if (!f) {
		og_cli__error("%s: cannot open for appending: %s", path, strerror(errno));
		return OG_EXIT_INTERNAL;
	}
	ok = fwrite(data, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	if (!ok) {
		og_cli__error("%s: write failed: %s", path, strerror(errno));
		return OG_EXIT_INTERNAL;
	}
	return OG_EXIT_OK;
}

int og_cli__parse_fail_on(og_severity_t *out, const char *command, const char *arg)
{
	og_severity_t sev = og_severity_parse(arg);

	if (sev == OG_SEV_NONE)
		return og_cli__usage_error(command,
			"invalid --fail-on '%s' (LOW, MEDIUM, HIGH or CRITICAL)", arg);
	*out = sev;
	return 0;
}

int og_cli__parse_jobs(unsigned int *out, const char *command, const char *arg)
{
	unsigned long n = 0;
	const char *p;

	/* Digits only: strtoul would take spaces, signs and "0x". */
	for (p = arg; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > 1024)
			break;
	}
	if (p == arg || *p != '\0' || n < 1 || n > 1024)
		return og_cli__usage_error(command,
			"invalid --jobs '%s' (a whole number from 1 to 1024)", arg);
	*out = (unsigned int)n;
	return 0;
}

int og_cli__parse_platform(const char *command, const char *arg)
{
	size_t i, start = 0;
	int parts = 0, empty = 0;

	/* os/arch or os/arch/variant, each part non-empty. */
	for (i = 0;; i++) {
		if (arg[i] == '/' || arg[i] == '\0') {
			if (i == start)
				empty = 1;
			parts++;
			start = i + 1;
		}
		if (arg[i] == '\0')
			break;
	}
	if (empty || parts < 2 || parts > 3)
		return og_cli__usage_error(command,
			"invalid --platform '%s' (os/arch or os/arch/variant)", arg);
	return 0;
}

int og_cli__stdout_color(void)
{
	const char *no_color = getenv("NO_COLOR");

	if (no_color && no_color[0])
		return 0;
	return isatty(STDOUT_FILENO) ? 1 : 0;
}

int og_cli__write_stdout(const char *data, size_t len, int add_newline)
{
	if (len && fwrite(data, 1, len, stdout) != len)
		goto fail;
	if (add_newline && (len == 0 || data[len - 1] != '\n') && fputc('\n', stdout) == EOF)
		goto fail;
	if (fflush(stdout) != 0 || ferror(stdout))
		goto fail;
	return OG_EXIT_OK;
fail:
	og_cli__error("cannot write to standard output: %s", strerror(errno));
	return OG_EXIT_INTERNAL;
}

/* The directory part of path ("." if none), in buf. -1 if too long. */
static int dir_of(char *buf, size_t size, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len;

	if (!slash) {
		if (size < 2)
			return -1;
		memcpy(buf, ".", 2);
		return 0;
	}
	len = slash == path ? 1 : (size_t)(slash - path);
	if (len >= size)
		return -1;
	memcpy(buf, path, len);
	buf[len] = '\0';
	return 0;
}

/*
 * Where a report for path is really written: a symlink to a regular file is
 * followed so that the rename replaces the file, not the link. *special is
 * set when path exists and is not a regular file (a device such as
 * /dev/stdout, a FIFO): that is written in place, since a rename would
 * replace the device node. -1 with errno if path cannot be resolved.
 */
static int output_target(char *buf, size_t size, const char *path, int *special)
{
	struct stat st;

	*special = 0;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return -1;
		/* A new file (or a dangling link, which rename replaces). */
		if (strlen(path) >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(buf, path, strlen(path) + 1);
		return 0;
	}
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		*special = 1;
		if (strlen(path) >= size) {
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(buf, path, strlen(path) + 1);
		return 0;
	}
	if (size < PATH_MAX || !realpath(path, buf))
		return -1;
	return 0;
}

int og_cli__check_output(const char *command, const char *path)
{
	char target[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	int special;

	if (path[0] == '\0' || path[strlen(path) - 1] == '/')
		return og_cli__usage_error(command, "invalid --output '%s' (a file name)", path);
	if (output_target(target, sizeof(target), path, &special) < 0)
		return og_cli__usage_error(command, "invalid --output '%s': %s", path,
			strerror(errno));
	if (special) {
		if (access(target, W_OK) != 0)
			return og_cli__usage_error(command, "--output not writable: %s", path);
		return 0;
	}
	if (dir_of(dir, sizeof(dir), target) < 0)
		return og_cli__usage_error(command, "--output path too long: %s", path);
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		return og_cli__usage_error(command, "--output: no such directory: %s", dir);
	if (access(dir, W_OK | X_OK) != 0)
		return og_cli__usage_error(command, "--output: directory not writable: %s", dir);
	return 0;
}

/* Write all of data to fd. 0 or -1 with errno. */
static int write_all(int fd, const char *data, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(fd, data + done, len - done);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* A device or FIFO: written in place, there is nothing to replace. */
static int write_special(const char *path, const char *data, size_t len)
{
	int fd, status = OG_EXIT_INTERNAL;

	if ((fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)) < 0)
		goto fail;
	if (write_all(fd, data, len) < 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	return OG_EXIT_OK;
fail:
	og_cli__error("cannot write %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return status;
}

int og_cli__write_file(const char *path, const char *data, size_t len)
{
	char target[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX];
	const char *what = "write";
	const char *name = path;
	mode_t mask;
	int fd = -1, status = OG_EXIT_INTERNAL, special;

	tmp[0] = '\0';
	if (output_target(target, sizeof(target), path, &special) < 0)
		goto fail;
	if (special)
		return write_special(target, data, len);
	if (dir_of(dir, sizeof(dir), target) < 0 ||
	    snprintf(tmp, sizeof(tmp), "%s/.ocigate-XXXXXX", dir) >= (int)sizeof(tmp)) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		goto fail;
	}
	what = "create a temp file in";
	name = dir;
	if ((fd = mkstemp(tmp)) < 0) {
		tmp[0] = '\0';
		goto fail;
	}
	/* mkstemp makes the file 0600; give it the usual 0666 & ~umask. */
	mask = umask(0);
	umask(mask);
	what = "write";
	name = tmp;
	if (fchmod(fd, 0666 & ~mask) != 0 || write_all(fd, data, len) < 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	what = "rename the report to";
	name = target;
	if (rename(tmp, target) != 0)
		goto fail;
	tmp[0] = '\0';
	status = OG_EXIT_OK;
	goto done;
fail:
	og_cli__error("cannot %s %s: %s", what, name, strerror(errno));
done:
	if (fd >= 0)
		close(fd);
	if (tmp[0])
		unlink(tmp);
	return status;
}
