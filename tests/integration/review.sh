#!/bin/bash
# Issue 19: gw exec --review runs on a copy-on-write layer of the project;
# gw review, diff, apply and discard. Every check is on the host: the real
# project's checksum listing before and after, files applied or not.
. "$(dirname "$0")/../lib/libtest.sh"

require_root
grep -qw overlay /proc/filesystems ||
    modprobe overlay 2>/dev/null
grep -qw overlay /proc/filesystems ||
    skip_all "this kernel has no overlay file system"
setup_user
setup_dirs
setup_user2
STATE=$(mktemp -d /var/tmp/gwtest-state.XXXXXX) || bail "mktemp"
chmod 755 "$STATE"
reg_pid=
review_cleanup() {
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null
	rm -rf "$STATE"
	cleanup
}
trap review_cleanup EXIT
start_daemon --state-dir "$STATE"

P=$WORK/proj
# gw as the test user in the project (or $2 ... with -C DIR first).
gwu() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    env -i -C "${GWU_DIR:-$P}" PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$TEST_HOME" GREYWALL_SOCKET="$SOCK" \
	    GREYWALL_STATE_DIR="$STATE" "$GW" "$@"
}
# The user's command line in the project, as the test user.
asu() {
	setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
	    env -i -C "$P" PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$TEST_HOME" "$@"
}
# Every path, type, mode, size, link target and content of the project.
listing() {
	(cd "$1" && find . -printf '%p %y %m %s %l\n' | LC_ALL=C sort &&
	    find . -type f -exec sha256sum {} + | LC_ALL=C sort)
}
not_in() { ! grep -qF -- "$2" "$1"; }
review_id() { sed -n 's/^\[greywall\] review \([0-9a-f]*\):.*/\1/p' "$1" |
    head -n 1; }

make_project() {
	rm -rf "$P"
	mkdir -p "$P/sub" "$P/gone/deep"
	printf 'one\ntwo\nthree\n' >"$P/a.txt"
	printf 'keep\n' >"$P/keep.txt"
	printf 'delete me\n' >"$P/del.txt"
	printf 'rename me, a file of some length\n' >"$P/ren.txt"
	printf 'sub\n' >"$P/sub/c.txt"
	printf 'deep\n' >"$P/gone/deep/d.txt"
	printf '\0\1\2binary' >"$P/bin.dat"
	printf 'secret\n' >"$T/outside"
	chmod 644 "$T/outside"
	chown -R "$TEST_USER:" "$P"
	asu git init -q . && asu git add -A &&
	    asu git -c user.name=t -c user.email=t@t commit -qm init ||
	    bail "git init the project"
}

plan 62

# --- a run changes nothing real -------------------------------------------
make_project
listing "$P" >"$T/before"
gwu exec --review -- sh -c '
	echo four >>a.txt
	echo added >new.txt
	rm del.txt
	mv ren.txt renamed.txt
	ln -s '"$T"'/outside evil
	ln -s sub/c.txt inside
	printf "#!/bin/sh\necho hi\n" >run.sh && chmod +x run.sh
	rm -rf gone
	printf "\0\3" >>bin.dat
	mkdir .tool && echo "[x]" >.tool/run.conf
	git init -q nested && echo "#!/bin/sh" >nested/.git/hooks/pre-commit
' >"$T/run1.out" 2>"$T/run1.err"
is "the command under review exits 0" $? 0
listing "$P" >"$T/after"
ok "the real project is byte for byte unchanged after the run" \
    cmp -s "$T/before" "$T/after"
ID=$(review_id "$T/run1.err")
ok "gw printed a review id" test -n "$ID"
contains "the summary counts the changes" "$(cat "$T/run1.err")" \
    "added, 2 modified, 2 deleted, 1 renamed"
contains "a new executable is flagged" "$(cat "$T/run1.err")" \
    "new executable:"
contains "the symlink out of the project is flagged" \
    "$(cat "$T/run1.err")" "A evil -> $T/outside"
contains "the .git/hooks change is flagged" "$(cat "$T/run1.err")" \
    "nested/.git/hooks/pre-commit"
contains "a hidden file outside the usual places is flagged" \
    "$(cat "$T/run1.err")" "A .tool/run.conf"
diag "$(cat "$T/run1.err")"

gwu review "$ID" >"$T/review1" 2>&1
is "gw review ID" $? 0
contains "it lists the rename" "$(cat "$T/review1")" \
    "R ren.txt -> renamed.txt"
contains "it lists the deletion of a directory" "$(cat "$T/review1")" \
    "D gone"
gwu review >"$T/list1" 2>&1
contains "gw review lists it as pending" "$(cat "$T/list1")" "$ID"
gwu diff "$ID" a.txt >"$T/diff1" 2>&1
contains "gw diff shows a unified diff" "$(cat "$T/diff1")" "+four"
gwu diff "$ID" bin.dat >"$T/diff2" 2>&1
contains "gw diff gives a binary file one line" "$(cat "$T/diff2")" \
    "Binary file bin.dat"
gwu diff --json "$ID" >"$T/diff.json" 2>&1
ok "gw diff --json is JSON with the files" $PYTHON -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert any(f["path"] == "a.txt" and "+four" in f["diff"] for f in d["files"])
' "$T/diff.json"
gwu review --json "$ID" >"$T/review.json" 2>&1
ok "gw review --json lists the changes with flags" $PYTHON -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["path"]: x for x in d["changes"]}
assert "executable" in c["run.sh"]["flags"]
assert "outside" in c["evil"]["flags"]
assert c["renamed.txt"]["from"] == "ren.txt"
' "$T/review.json"

# --- another user ----------------------------------------------------------
setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups env -i \
    cat "$STATE/users/$TEST_UID/reviews/$ID/upper/new.txt" >/dev/null 2>&1
st=$?
ok "another user cannot read the review (exit $st)" test $st -ne 0
setpriv --reuid="$TEST_USER2" --regid="$TEST_USER2" --init-groups env -i \
    -C / GREYWALL_STATE_DIR="$STATE" HOME="$TEST_HOME2" \
    "$GW" apply "$ID" >"$T/other" 2>&1
isnt_zero=$?
ok "another user cannot apply it (exit $isnt_zero)" test $isnt_zero -ne 0
listing "$P" >"$T/after"
ok "the project is still unchanged" cmp -s "$T/before" "$T/after"

# --- the daemon restarts ----------------------------------------------------
stop_daemon
start_daemon --state-dir "$STATE"
gwu review >"$T/list2" 2>&1
contains "the review is still pending after greywalld restarted" \
    "$(cat "$T/list2")" "$ID"

# --- partial apply, conflict, --force --------------------------------------
gwu apply "$ID" new.txt >"$T/apply1" 2>&1
is "gw apply ID PATH" $? 0
ok "the applied file is in the project" grep -qx added "$P/new.txt"
ok "nothing else was applied" test ! -e "$P/run.sh" -a -e "$P/del.txt"
gwu review "$ID" >"$T/review2" 2>&1
diag "$(cat "$T/review2")"
ok "the applied change left the review" not_in "$T/review2" "A new.txt"

sleep 0.05
echo "edited outside" >>"$P/keep.txt"
echo "changed on the host" >>"$P/a.txt"
gwu apply "$ID" >"$T/apply2" 2>&1
is "gw apply refuses a path changed since the start" $? 1
contains "it names the conflict" "$(cat "$T/apply2")" \
    "conflict: a.txt changed"
ok "and applied nothing" test ! -e "$P/run.sh" -a -e "$P/del.txt"

gwu apply --force "$ID" >"$T/apply3" 2>&1
is "gw apply --force" $? 0
ok "the modified file is as reviewed" \
    test "$(cat "$P/a.txt")" = "$(printf 'one\ntwo\nthree\nfour')"
ok "the deletion was applied" test ! -e "$P/del.txt"
ok "the directory deletion was applied" test ! -e "$P/gone"
ok "the rename was applied" \
    test ! -e "$P/ren.txt" -a -f "$P/renamed.txt"
ok "the new executable is executable" test -x "$P/run.sh"
ok "the symlink out of the project is a symlink, not a copy" \
    test -L "$P/evil" -a "$(readlink "$P/evil")" = "$T/outside"
ok "the file it points to was not touched" \
    test "$(cat "$T/outside")" = secret
ok "the review is gone once all of it is applied" \
    test ! -e "$STATE/users/$TEST_UID/reviews/$ID" ||
    diag "$(cat "$T/apply3"; gwu review "$ID" 2>&1)"

# --- discard ---------------------------------------------------------------
make_project
listing "$P" >"$T/before"
gwu exec --review -- sh -c 'echo x >a.txt; rm keep.txt' \
    >/dev/null 2>"$T/run2.err"
ID2=$(review_id "$T/run2.err")
gwu discard "$ID2" >"$T/discard" 2>&1
is "gw discard" $? 0 || diag "$(cat "$T/discard")"
listing "$P" >"$T/after"
ok "the project is unchanged after discard" cmp -s "$T/before" "$T/after"
ok "the review is gone" test ! -e "$STATE/users/$TEST_UID/reviews/$ID2"

# --- apply never follows a symlink of the project ------------------------
make_project
mkdir -p "$T/outdir"
chmod 777 "$T/outdir"
ln -s "$T/outdir" "$P/outlink"
chown -h "$TEST_USER:" "$P/outlink"
sleep 0.05
gwu exec --review -- sh -c 'rm outlink && mkdir outlink &&
    echo x >outlink/f && cp /bin/true su && chmod 4755 su &&
    echo plain >plain.txt' >/dev/null 2>"$T/run3.err"
ID3=$(review_id "$T/run3.err")
contains "a set-id file is flagged" "$(cat "$T/run3.err")" "A su  [setid"
gwu apply "$ID3" >"$T/apply4" 2>&1
is "gw apply refuses a review with a set-id file" $? 1
contains "and says why" "$(cat "$T/apply4")" "refused: su is set-user-id"
ok "and applies nothing" test ! -e "$P/plain.txt" -a -L "$P/outlink"
gwu apply "$ID3" outlink plain.txt >"$T/apply5" 2>&1
st=$?
is "gw apply of the other paths" $st 0
[ $st -eq 0 ] || diag "$(cat "$T/apply5" "$T/run3.err")"
ok "the symlink became the reviewed directory" \
    test -d "$P/outlink" -a ! -L "$P/outlink" -a -f "$P/outlink/f"
ok "nothing was written where the old symlink pointed" \
    test ! -e "$T/outdir/f"
ok "the set-id file stays in the review, not in the project" \
    test ! -e "$P/su" -a -e "$STATE/users/$TEST_UID/reviews/$ID3/upper/su"
gwu discard "$ID3" >/dev/null 2>&1

# --- gw killed: the review stays pending and intact ------------------------
RDIR=$STATE/users/$TEST_UID/reviews
setpriv --reuid="$TEST_USER" --regid="$TEST_USER" --init-groups \
    env -i -C "$P" PATH=/usr/bin:/bin HOME="$TEST_HOME" \
    GREYWALL_SOCKET="$SOCK" GREYWALL_STATE_DIR="$STATE" \
    "$GW" exec --review -- sh -c 'echo early >early.txt; sleep 60' \
    >/dev/null 2>&1 &
gwpid=$!
wait_for "the command's first write" sh -c \
    "ls $RDIR/*/upper/early.txt >/dev/null 2>&1"
kill -KILL $gwpid
wait $gwpid 2>/dev/null
ID4=$(basename "$(dirname "$(dirname "$(ls $RDIR/*/upper/early.txt)")")")
wait_for "the sandbox to end" sh -c "! pgrep -f '^sleep 60' >/dev/null"
gwu review >"$T/list3" 2>&1
contains "after gw was killed the review is listed" "$(cat "$T/list3")" \
    "$ID4"
gwu review "$ID4" >"$T/review4" 2>&1
contains "and holds what the command wrote" "$(cat "$T/review4")" \
    "A early.txt"
ok "the real project did not get it" test ! -e "$P/early.txt"

# --- the size limit and expiry (review.max_size, review.max_age) -----------
printf 'review:\n  max_size: "1"\n' >"$T/small.yaml"
chmod 644 "$T/small.yaml"
gwu exec --review --policy "$T/small.yaml" -- true >/dev/null \
    2>"$T/limit.err"
is "a new review past review.max_size is refused" $? 125
contains "naming the key" "$(cat "$T/limit.err")" "review.max_size"
gwu discard "$ID4" >/dev/null 2>&1
printf 'review:\n  max_age: 1s\n' >"$T/short.yaml"
chmod 644 "$T/short.yaml"
gwu exec --review --policy "$T/short.yaml" -- sh -c 'echo y >y.txt' \
    >/dev/null 2>"$T/run5.err"
ID5=$(review_id "$T/run5.err")
sleep 2.1
gwu review --json >"$T/list.json" 2>"$T/list.err"
contains "gw review removes an expired review" "$(cat "$T/list.err")" \
    "review $ID5 expired"
ok "it is gone from the store" test ! -e "$RDIR/$ID5"
ok "gw review --json lists reviews as JSON" $PYTHON -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d["reviews"], list)
' "$T/list.json"
ok "gw exec --review with no change keeps no review" sh -c \
    "ls $RDIR | wc -l | grep -qx 0"

# --- filesystem.review: true in the policy ---------------------------------
printf 'default: true\nfilesystem:\n  review: maybe\n' >"$POLICY/20-review.yaml"
out=$("$GREYWALLD" -n -P "$POLICY" 2>&1)
contains "greywalld -n refuses a bad filesystem.review, naming the file" \
    "$out" "20-review.yaml:3"
printf 'default: true\nfilesystem:\n  review: true\n' >"$POLICY/20-review.yaml"
kill -HUP "$daemon_pid"
sleep 0.3
listing "$P" >"$T/before"
gwu exec -- sh -c 'echo by-policy >policy.txt' >/dev/null 2>"$T/run6.err"
is "with filesystem.review: true, plain gw exec runs" $? 0
contains "and is reviewed" "$(cat "$T/run6.err")" "1 change to $P"
listing "$P" >"$T/after"
ok "the project is unchanged" cmp -s "$T/before" "$T/after"
gwu discard "$(review_id "$T/run6.err")" >/dev/null 2>&1
gwu exec --ro -- cat a.txt >/dev/null 2>"$T/run7.err"
is "gw exec --ro needs no review" $? 0
diag "$(cat "$T/run7.err")"
ok "and makes none" not_in "$T/run7.err" "review"
rm -f "$POLICY/20-review.yaml"

done_testing
