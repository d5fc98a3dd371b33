#!/bin/bash
# The seccomp filter: each denied call fails with EPERM inside a sandbox
# (clone3 with ENOSYS, so libc falls back to clone), where the same call
# works for the same user outside; a call through the i386 ABI kills the
# process.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
setup_user
setup_dirs
start_daemon

DENIED="ptrace process_vm_readv keyctl unshare setns clone_newuser
io_uring_setup personality personality32 tiocsti name_to_handle_at mount
fsopen open_tree bpf userfaultfd"
# Calls an unprivileged user may make outside, whatever the sysctls.
BASELINE="ptrace process_vm_readv keyctl personality personality32
name_to_handle_at"

plan $(( $(echo $DENIED | wc -w) + $(echo $BASELINE | wc -w) + 12 ))

# The helper must be inside the sandbox's tree: put it in the cwd.
install -m 755 -o "$TEST_USER" "$GW_BUILDDIR/tests/helpers/try-syscall" \
    "$WORK/try-syscall"

out=$(gw_exec ./try-syscall $DENIED clone3 </dev/null)
is "the helper ran in the sandbox" $? 0
for name in $DENIED; do
	got=$(echo "$out" | sed -n "s/^$name: //p")
	is "$name is denied with EPERM" "$got" EPERM
done
is "clone3 answers ENOSYS" "$(echo "$out" | sed -n 's/^clone3: //p')" \
    ENOSYS

# Outside, as the same user, each process making one call.
for name in $BASELINE; do
	got=$(as_user "$WORK/try-syscall" "$name" </dev/null |
	    sed -n "s/^$name: //p")
	is "outside the sandbox $name works (so the filter denies it)" \
	    "$got" ok
done

out=$(gw_exec ./try-syscall personality_query </dev/null)
is "reading the current personality still works" "$out" \
    "personality_query: ok"
# An i386 int 0x80 call (mount with null arguments): the filter kills it
# with SIGSYS. A kernel without IA-32 emulation (ia32_emulation=0) kills
# it with SIGSEGV before any filter runs, so first see, as the same user
# outside the sandbox, what this kernel does with it.
out=$(as_user "$WORK/try-syscall" int80 </dev/null 2>&1)
rc=$?
case $rc:$out in
0:*"int80: "*) ia32=yes ;;
139:*) ia32=no ;;
*) ia32=unknown ;;
esac
diag "outside the sandbox int 0x80 gave exit $rc: '$out'"
ok "outside the sandbox int 0x80 returns or the kernel kills it (SIGSEGV)" \
    test "$ia32" != unknown
out=$(gw_exec sh -c 'a=$(cat /proc/self/mountinfo); ./try-syscall int80
    echo "rc=$?"; [ "$a" = "$(cat /proc/self/mountinfo)" ] &&
    echo mounts-unchanged' </dev/null 2>/dev/null)
case $ia32:$out in
yes:*rc=159*) died=yes ;;
no:*rc=159* | no:*rc=139*) died=yes ;;
*) died=no ;;
esac
diag "inside the sandbox: '$out'"
ok "an i386 int 0x80 call kills the process (SIGSYS; SIGSEGV without IA-32)" \
    test "$died" = yes
case $out in
*"int80:"*) ok "and it never returned" false ;;
*) ok "and it never returned" true ;;
esac
contains "and nothing was mounted" "$out" mounts-unchanged

# hardening.seccomp_deny: the policy's own extra calls, on top.
cat >"$POLICY/10-seccomp.yaml" <<EOF
users: [$TEST_USER]
hardening: { seccomp_deny: [mkdir, mkdirat] }
EOF
"$GWCTL" -S "$SOCK" reload >/dev/null
out=$(gw_exec sh -c 'mkdir made-here 2>&1; echo rc=$?' </dev/null)
contains "hardening.seccomp_deny denies mkdir (EPERM)" "$out" \
    "Operation not permitted"
ok "and nothing was made on the host" test ! -e "$WORK/made-here"
out=$(gw_exec sh -c 'echo x > file-here && cat file-here' </dev/null)
is "other calls still work" "$out" x
printf 'hardening: { seccomp_deny: [chmod, fchmodat] }\n' >"$T/overlay.yaml"
chmod 644 "$T/overlay.yaml"
out=$(gw_exec --policy "$T/overlay.yaml" sh -c \
    'chmod 600 file-here 2>&1; echo rc=$?' </dev/null)
contains "a client overlay may add calls to deny" "$out" \
    "Operation not permitted"
printf 'users: [%s]\nhardening: { seccomp_deny: [no_such_call] }\n' \
    "$TEST_USER" >"$POLICY/10-seccomp.yaml"
out=$("$GWCTL" -S "$SOCK" reload 2>&1)
contains "an unknown system call in a policy file is refused with its place" \
    "$out" "10-seccomp.yaml:2:"
rm -f "$POLICY/10-seccomp.yaml"
"$GWCTL" -S "$SOCK" reload >/dev/null

done_testing
