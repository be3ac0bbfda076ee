<#
.SYNOPSIS
    Measures the access-policy cmdlets at the size issue 15 names and prints the figures for
    docs/performance.md.

.DESCRIPTION
    Seeds the emulator with 200 users, 1,000 tokens, 50 groups, 20 custom roles and 1,000 ACL
    entries, exports the configuration as a policy, then:
      1. Plan: Get-PveAccessPlan on the exported policy (no change expected): median time of -Runs
         runs and the number of HTTP requests (from the module's per-call verbose records).
      2. Apply of a 10 % change set (20 new users, 100 new tokens, 100 new ACL entries, 2 role
         changes, 78 token comments changed): the requests Invoke-PveAccessPolicy sends, against
         the requests of a hand-written minimal script (one write per object change and one
         PUT /access/acl per path and role set, no reads).
    Requests are counted from the verbose call records, one per HTTP call.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath,
    [int] $Runs = 5
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../build/PveEmulatorProcess.ps1')
Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force

$privs = 'VM.Audit', 'VM.Backup', 'VM.PowerMgmt', 'Datastore.Audit', 'Datastore.AllocateSpace', 'Sys.Audit'
$seed = @{
    groups = @(0..49 | ForEach-Object { @{ groupid = 'svc-g{0:D2}' -f $_; comment = "group $_" } })
    roles  = @(0..19 | ForEach-Object { @{ roleid = 'SvcRole{0:D2}' -f $_; privs = @($privs[0..($_ % $privs.Count)]) } })
    users  = @(0..199 | ForEach-Object { @{ userid = 'svc-u{0:D3}@pve' -f $_; comment = "user $_"; groups = @('svc-g{0:D2}' -f ($_ % 50)) } })
    tokens = @(0..999 | ForEach-Object { @{ userid = 'svc-u{0:D3}@pve' -f ($_ % 200); tokenid = 't{0:D4}' -f $_; privsep = 1; comment = "token $_" } })
    acl    = @(0..999 | ForEach-Object {
            @{ path = '/vms/{0}' -f (1000 + $_); roleid = 'SvcRole{0:D2}' -f ($_ % 20); type = 'token'; ugid = 'svc-u{0:D3}@pve!t{1:D4}' -f ($_ % 200), $_; propagate = 1 } })
}
$seedFile = Join-Path ([IO.Path]::GetTempPath()) ("policy-bench-{0}.json" -f [guid]::NewGuid())
$policy = Join-Path ([IO.Path]::GetTempPath()) ("policy-bench-{0}.psd1" -f [guid]::NewGuid())
$seed | ConvertTo-Json -Depth 5 | Set-Content $seedFile
$emulator = Start-PveEmulatorProcess -EmulatorPath $EmulatorPath -SeedFile $seedFile
try {
    $cred = [pscredential]::new('root@pam', (ConvertTo-SecureString $emulator.RootPassword -AsPlainText -Force))
    Connect-PveServer -Server $emulator.Url -Credential $cred -CertificateThumbprint $emulator.Thumbprint | Out-Null
    Export-PveAccessPolicy -Path $policy -Scope @{ Users = 'svc-*@pve'; Tokens = 'svc-*'; Groups = 'svc-*'; Roles = 'Svc*'; AclPaths = '*' } | Out-Null

    function Measure-Requests([scriptblock] $Body) {
        $VerbosePreference = 'Continue'
        $records = @(& $Body 4>&1)
        [pscustomobject]@{
            Requests = @($records | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match ' (GET|POST|PUT|DELETE) ' }).Count
            Output   = @($records | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        }
    }

    Get-PveAccessPlan -Path $policy | Out-Null   # warm-up
    $tiny = Join-Path ([IO.Path]::GetTempPath()) ("policy-bench-tiny-{0}.psd1" -f [guid]::NewGuid())
    Set-Content $tiny '@{ SchemaVersion = 1 }'
    $profile = [ordered]@{
        TinyPlanMs = (Measure-Command { Get-PveAccessPlan -Path $tiny | Out-Null }).TotalMilliseconds
        UsersMs    = (Measure-Command { Get-PveUser | Out-Null }).TotalMilliseconds
        AclMs      = (Measure-Command { Get-PveAcl | Out-Null }).TotalMilliseconds
        ParseMs    = (Measure-Command { [System.Management.Automation.Language.Parser]::ParseFile($policy, [ref]$null, [ref]$null) | Out-Null }).TotalMilliseconds
    }
    Remove-Item $tiny
    Write-Host ($profile | Out-String)
    $times = @(1..$Runs | ForEach-Object { (Measure-Command { Get-PveAccessPlan -Path $policy | Out-Null }).TotalMilliseconds }) | Sort-Object
    $plan = Measure-Requests { Get-PveAccessPlan -Path $policy }

    # The 10 % change set, written into the policy text.
    $text = Get-Content $policy -Raw
    $newUsers = (0..19 | ForEach-Object { "        @{{ Id = 'svc-new{0:D2}@pve'; Enabled = `$true; Groups = @('svc-g00') }}" -f $_ }) -join "`n"
    $newTokens = (0..99 | ForEach-Object { "        @{{ User = 'svc-new{0:D2}@pve'; Id = 'n{1:D3}'; PrivilegeSeparation = `$true }}" -f ($_ % 20), $_ }) -join "`n"
    $newAcl = (0..99 | ForEach-Object { "        @{{ Path = '/vms/{0}'; Roles = @('SvcRole00'); Principals = @('svc-new{1:D2}@pve!n{2:D3}'); Propagate = `$true }}" -f (5000 + $_), ($_ % 20), $_ }) -join "`n"
    $text = $text.Replace("    Users = @(`n", "    Users = @(`n$newUsers`n").Replace("    Tokens = @(`n", "    Tokens = @(`n$newTokens`n").Replace("    Acl = @(`n", "    Acl = @(`n$newAcl`n")
    $text = $text.Replace("Id = 'SvcRole00'; Privileges = @('VM.Audit')", "Id = 'SvcRole00'; Privileges = @('VM.Audit', 'Sys.Audit')")
    $text = $text.Replace("Id = 'SvcRole01'; Privileges = @('VM.Audit', 'VM.Backup')", "Id = 'SvcRole01'; Privileges = @('VM.Audit')")
    for ($i = 0; $i -lt 78; $i++) { $text = $text.Replace("Comment = 'token $i';", "Comment = 'token $i (renamed)';") }
    Set-Content $policy $text
    $planned = @(Get-PveAccessPlan -Path $policy)
    $minimal = @($planned | Where-Object ObjectType -ne Acl).Count +
        @($planned | Where-Object ObjectType -eq Acl | Group-Object { $_.Id.Split(' ')[0] + ' ' + $_.Id.Split(' ')[2] }).Count
    $apply = Measure-Requests { Invoke-PveAccessPolicy -Path $policy -Confirm:$false }
    $after = @(Get-PveAccessPlan -Path $policy).Count

    [pscustomobject]@{
        PlanMedianMs     = [math]::Round($times[[int][math]::Floor($times.Count / 2)], 1)
        PlanMinMs        = [math]::Round($times[0], 1)
        PlanMaxMs        = [math]::Round($times[-1], 1)
        PlanRequests     = $plan.Requests
        PlanRows         = @($plan.Output).Count
        ChangeSetRows    = $planned.Count
        ApplyRequests    = $apply.Requests
        MinimalRequests  = $minimal
        Ratio            = [math]::Round($apply.Requests / $minimal, 2)
        RowsLeftAfter    = $after
    }
}
finally {
    Get-PveSession | Disconnect-PveServer
    Stop-PveEmulatorProcess $emulator
    Remove-Item $seedFile, $policy -ErrorAction SilentlyContinue
}
