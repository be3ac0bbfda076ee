#!/usr/bin/env bash
# Looks at every format view in a real interactive pwsh inside tmux, at 80 and 200 columns, and
# keeps what the screen showed in docs/views/<name>-<width>.txt. Needs tmux and a built module
# (dotnet pwsh ./build.ps1 -Task Build). Usage: build/Save-ViewCaptures.sh
# The session's prompt is a neutral 'PS> ' (build/Enter-ViewsSession.ps1), so no local path ends
# up in the captures. tmux runs on a private socket, so parallel runs and the user's own tmux
# sessions are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/views
mkdir -p "$out"
socket_dir="$(mktemp -d)"
tm() { tmux -S "$socket_dir/tmux" "$@"; }
trap 'tm kill-server 2>/dev/null || true; rm -rf "$socket_dir"' EXIT
# name|command typed at the prompt
views=(
  "session|Get-PveSession"
  "token-table|Get-PveApiToken"
  "token-list|Get-PveApiToken -UserId ci@pve -TokenId terraform | Format-List"
  "secret-table|\$t = New-PveApiToken -UserId ci@pve -TokenId grafana -Comment 'Grafana data source' -ExpiresIn 90.00:00:00; \$t"
  "secret-list|\$t | Format-List"
  "acl-table|Get-PveAcl"
  "permission-table|Get-PvePermission -TokenId ci@pve!backup"
  "permission-compare|Get-PvePermission -TokenId ci@pve!backup -CompareWithOwner"
  "user-table|Get-PveUser"
  "role-table|Get-PveRole -Name PVEVMUser, PVEAuditor, PVEDatastoreUser"
  "role-list|Get-PveRole -Name PVEDatastoreUser | Format-List"
  "access-report|Get-PveAccessReport -Privilege Datastore.AllocateSpace"
)
# The screen's non-blank lines, trailing blanks removed.
screen() { tm capture-pane -p -t "$1" -S 0 | sed -e 's/[[:space:]]*$//' | grep -v '^$' || true; }
# Waits until the screen's last non-blank line is the bare prompt and the screen has between $2 and
# $3 non-blank lines; fails after $4 seconds.
wait_prompt() {
  local s="$1" min_lines="$2" max_lines="$3" timeout="$4" lines count
  for _ in $(seq 1 $((timeout * 4))); do
    lines="$(screen "$s")"
    count="$(printf '%s\n' "$lines" | grep -c . || true)"
    if [ "$(printf '%s\n' "$lines" | tail -n 1)" = "PS>" ] &&
       [ "$count" -ge "$min_lines" ] && [ "$count" -le "$max_lines" ]; then
      return 0
    fi
    sleep 0.25
  done
  echo "no 'PS> ' prompt in tmux session $s after ${timeout}s; the screen shows:" >&2
  tm capture-pane -p -t "$s" -S 0 >&2 || true
  return 1
}
for width in 80 200; do
  s="pveviews$width"
  tm new-session -d -s "$s" -x "$width" -y 50 "NO_COLOR=1 dotnet pwsh -NoLogo -NoProfile -NoExit -Command \". ./build/Enter-ViewsSession.ps1\""
  # The prompt comes after the session set-up (emulator start, connect, seed).
  wait_prompt "$s" 1 1 120
  for entry in "${views[@]}"; do
    name="${entry%%|*}"; cmd="${entry#*|}"
    tm send-keys -t "$s" "Clear-Host" Enter
    # Cleared: the bare prompt alone.
    wait_prompt "$s" 1 1 30
    tm send-keys -t "$s" -l "$cmd"
    tm send-keys -t "$s" Enter
    # Done when the prompt is back below the command and its output.
    wait_prompt "$s" 3 1000 60
    sleep 0.5
    tm capture-pane -p -t "$s" -S 0 | sed -e 's/[[:space:]]*$//' | cat -s > "$out/$name-$width.txt"
  done
  tm send-keys -t "$s" 'Stop-PveEmulatorProcess $Emulator; exit' Enter
  sleep 3
  tm kill-session -t "$s" 2>/dev/null || true
done
echo "captures in $out"
