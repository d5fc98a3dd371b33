/*
 * Tests for audit-parse.c: kernel audit records as greywalld reads them.
 * The records below are as this kernel printed them (Linux 6.18); the
 * parser must find quoted and hex-encoded strings, refuse what does not
 * parse, and never match a key inside another field's value.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "greywalld.h"
#include "tap.h"

static const char ll_access[] = "audit(1795403149.539:100): domain=166f15a9b"
    " blockers=fs.read_dir path=\"/home/gwtest\" dev=\"tmpfs\" ino=18";
static const char ll_domain[] = "audit(1795403149.539:100): domain=166f15a9b"
    " status=allocated mode=enforcing pid=10485 uid=1001"
    " exe=\"/usr/sbin/greywalld\" comm=\"greywalld\"";
static const char sc[] = "audit(1795403287.319:123): auid=1001 uid=1001"
    " gid=1001 ses=2 pid=23205 comm=\"try-syscall\" exe=\"/w/try-syscall\""
    " sig=0 arch=c000003e syscall=101 compat=0 ip=0x7fbcca31d829"
    " code=0x50000";
/* A path with a space: hex, as the kernel writes untrusted strings. */
static const char ll_hex[] = "audit(1.002:7): domain=1 blockers=fs.write_file"
    ",fs.truncate path=2F746D702F6120622E747874 dev=\"sda1\" ino=5";

int
main(void)
{
	const char	*f;
	char		 buf[256];
	uint64_t	 serial = 0, v = 0;

	plan(27);

	ok(audit_header(ll_access, &serial, &f) == 0 && serial == 100,
	    "the serial number of a record");
	ok(strncmp(f, "domain=", 7) == 0, "the fields start after ': '");
	ok(audit_field_num(f, "domain", 16, &v) == 0 && v == 0x166f15a9bULL,
	    "a hex field");
	ok(audit_field(f, "blockers", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "fs.read_dir") == 0, "a keyword field");
	ok(audit_field_str(f, "path", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/home/gwtest") == 0, "a quoted string");
	ok(audit_field_str(f, "nosuch", buf, sizeof(buf)) == -1,
	    "a missing field");
	ok(audit_field_str(f, "path", buf, 5) == -1,
	    "a string too long for the buffer is refused, not cut");
	ok(audit_field(f, "ain", buf, sizeof(buf)) == -1,
	    "a key matches whole keys only");

	ok(audit_header(ll_domain, &serial, &f) == 0, "a domain record");
	ok(audit_field_num(f, "pid", 10, &v) == 0 && v == 10485,
	    "its creator's pid");
	ok(audit_field(f, "status", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "allocated") == 0, "its status");
	ok(audit_field_num(f, "uid", 10, &v) == 0 && v == 1001,
	    "uid, not auid or euid");

	ok(audit_header(sc, &serial, &f) == 0 && serial == 123,
	    "a seccomp record");
	ok(audit_field_num(f, "arch", 16, &v) == 0 && v == 0xc000003eULL,
	    "its arch");
	ok(audit_field_num(f, "syscall", 10, &v) == 0 && v == 101,
	    "its syscall number");
	ok(audit_field_num(f, "code", 16, &v) == 0 && v == 0x50000,
	    "its action, 0x-prefixed");
	ok(audit_field_num(f, "ses", 10, &v) == 0 && v == 2, "its session");
	ok(audit_field_str(f, "comm", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "try-syscall") == 0, "its command name");

	ok(audit_header(ll_hex, &serial, &f) == 0, "a record with hex");
	ok(audit_field_str(f, "path", buf, sizeof(buf)) == 0 &&
	    strcmp(buf, "/tmp/a b.txt") == 0, "a hex-encoded path");
	ok(strcmp(audit_ll_action("fs.write_file,fs.truncate"), "write") == 0,
	    "the first blocker names the action");
	ok(strcmp(audit_ll_action("fs.make_reg"), "create") == 0 &&
	    strcmp(audit_ll_action("fs.read_file"), "read") == 0 &&
	    strcmp(audit_ll_action("scope.signal"), "signal") == 0,
	    "create, read, signal");
	ok(strcmp(audit_ll_action("fs.read_filex"), "access") == 0,
	    "a blocker matches whole names only");

	errno = 0;
	ok(audit_header("audit(1.2): x=1", &serial, &f) == -1 &&
	    errno == EPROTO, "a header without a serial is refused");
	ok(audit_header("type=1300 msg=audit(1.2:3): x=1", &serial,
	    &f) == -1, "text before the header is refused");
	ok(audit_header("audit(1.2:3):x=1", &serial, &f) == 0 &&
	    audit_field_num(f, "x", 10, &v) == 0 && v == 1,
	    "fields right after the colon");
	ok(audit_field_str("path=2F7 x=1", "path", buf, sizeof(buf)) == -1 &&
	    audit_field_str("path=ZZ", "path", buf, sizeof(buf)) == -1 &&
	    audit_field_num("pid=-1", "pid", 10, &v) == -1,
	    "odd hex, bad hex and negative numbers are refused");
	return (done_testing());
}
