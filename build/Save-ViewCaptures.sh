#!/usr/bin/env bash
# Looks at every format view in a real interactive pwsh inside tmux, at 80 and 200 columns, and
# keeps what the screen showed in docs/views/<name>-<width>.txt. Needs tmux and a built module
# (dotnet pwsh ./build.ps1 -Task Build). Usage: build/Save-ViewCaptures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=docs/views
mkdir -p "$out"
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
)
for width in 80 200; do
  s="pveviews$width"
  tmux kill-session -t "$s" 2>/dev/null || true
  tmux new-session -d -s "$s" -x "$width" -y 50 "NO_COLOR=1 dotnet pwsh -NoLogo -NoProfile -NoExit -Command \". ./build/Enter-ViewsSession.ps1\""
  # Wait for the prompt after the session set-up (emulator start, connect, seed).
  for _ in $(seq 1 120); do
    sleep 1
    if tmux capture-pane -p -t "$s" | grep -q '^PS .*> *$'; then break; fi
  done
  for entry in "${views[@]}"; do
    name="${entry%%|*}"; cmd="${entry#*|}"
    tmux send-keys -t "$s" "Clear-Host" Enter
    sleep 1
    tmux send-keys -t "$s" -l "$cmd"
    tmux send-keys -t "$s" Enter
    sleep 4
    tmux capture-pane -p -t "$s" -S 0 | sed -e 's/[[:space:]]*$//' | cat -s > "$out/$name-$width.txt"
  done
  tmux send-keys -t "$s" 'Stop-PveEmulatorProcess $Emulator; exit' Enter
  sleep 3
  tmux kill-session -t "$s" 2>/dev/null || true
done
echo "captures in $out"
