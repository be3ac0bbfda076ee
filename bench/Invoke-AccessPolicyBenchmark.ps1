<#
.SYNOPSIS
    Measures the access-policy cmdlets at the size issue 15 names; Invoke-Benchmark.ps1 runs it and
    writes its figures into docs/performance.md.

.DESCRIPTION
    Seeds the emulator with -Users users, -Tokens tokens, -Groups groups, -Roles custom roles and
    -Acl ACL entries (200, 1,000, 50, 20 and 1,000 by default), exports the configuration as a
    policy, then:
      1. Plan: Get-PveAccessPlan on the exported policy (no change expected): median time of -Runs
         runs and the number of HTTP requests (from the module's per-call verbose records).
      2. Apply of a 10 % change set (a tenth as many new users, tokens and ACL entries, 2 role
         changes and the comments of 7.8 % of the tokens changed): the requests
         Invoke-PveAccessPolicy sends, against the requests of a hand-written minimal script (one
         write per object change and one PUT /access/acl per path and role set, no reads).
    Requests are counted from the verbose call records, one per HTTP call. -Smoke runs tiny sizes
    once, for the test suite. Returns one object with the figures.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath,
    [int] $Runs = 5,
    [int] $Users = 200,
    [int] $Tokens = 1000,
    [int] $Groups = 50,
    [int] $Roles = 20,
    [int] $Acl = 1000,
    [switch] $Smoke
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($Smoke) { $Runs = 1; $Users = 20; $Tokens = 50; $Groups = 5; $Roles = 4; $Acl = 50 }
. (Join-Path $PSScriptRoot '../build/PveEmulatorProcess.ps1')
Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force

$privs = 'VM.Audit', 'VM.Backup', 'VM.PowerMgmt', 'Datastore.Audit', 'Datastore.AllocateSpace', 'Sys.Audit'
$seed = @{
    groups = @(0..($Groups - 1) | ForEach-Object { @{ groupid = 'svc-g{0:D2}' -f $_; comment = "group $_" } })
    roles  = @(0..($Roles - 1) | ForEach-Object { @{ roleid = 'SvcRole{0:D2}' -f $_; privs = @($privs[0..($_ % $privs.Count)]) } })
    users  = @(0..($Users - 1) | ForEach-Object { @{ userid = 'svc-u{0:D3}@pve' -f $_; comment = "user $_"; groups = @('svc-g{0:D2}' -f ($_ % $Groups)) } })
    tokens = @(0..($Tokens - 1) | ForEach-Object { @{ userid = 'svc-u{0:D3}@pve' -f ($_ % $Users); tokenid = 't{0:D4}' -f $_; privsep = 1; comment = "token $_" } })
    acl    = @(0..($Acl - 1) | ForEach-Object {
            @{ path = '/vms/{0}' -f (1000 + $_); roleid = 'SvcRole{0:D2}' -f ($_ % $Roles); type = 'token'; ugid = 'svc-u{0:D3}@pve!t{1:D4}' -f ($_ % $Users), ($_ % $Tokens); propagate = 1 } })
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
    $readTimes = [ordered]@{
        TinyPlanMs = (Measure-Command { Get-PveAccessPlan -Path $tiny | Out-Null }).TotalMilliseconds
        UsersMs    = (Measure-Command { Get-PveUser | Out-Null }).TotalMilliseconds
        AclMs      = (Measure-Command { Get-PveAcl | Out-Null }).TotalMilliseconds
        ParseMs    = (Measure-Command { [System.Management.Automation.Language.Parser]::ParseFile($policy, [ref]$null, [ref]$null) | Out-Null }).TotalMilliseconds
    }
    Remove-Item $tiny
    $times = @(1..$Runs | ForEach-Object { (Measure-Command { Get-PveAccessPlan -Path $policy | Out-Null }).TotalMilliseconds } | Sort-Object)
    $plan = Measure-Requests { Get-PveAccessPlan -Path $policy }

    # The 10 % change set, written into the policy text.
    $text = Get-Content $policy -Raw
    $newUserCount = [math]::Max(1, [int]($Users / 10)); $renamed = [int]($Tokens * 0.078)
    $newUsers = (0..($newUserCount - 1) | ForEach-Object { "        @{{ Id = 'svc-new{0:D2}@pve'; Enabled = `$true; Groups = @('svc-g00') }}" -f $_ }) -join "`n"
    $newTokens = (0..([int]($Tokens / 10) - 1) | ForEach-Object { "        @{{ User = 'svc-new{0:D2}@pve'; Id = 'n{1:D3}'; PrivilegeSeparation = `$true }}" -f ($_ % $newUserCount), $_ }) -join "`n"
    $newAcl = (0..([int]($Acl / 10) - 1) | ForEach-Object { "        @{{ Path = '/vms/{0}'; Roles = @('SvcRole00'); Principals = @('svc-new{1:D2}@pve!n{2:D3}'); Propagate = `$true }}" -f (5000 + $_), ($_ % $newUserCount), ($_ % [int]($Tokens / 10)) }) -join "`n"
    $text = $text.Replace("    Users = @(`n", "    Users = @(`n$newUsers`n").Replace("    Tokens = @(`n", "    Tokens = @(`n$newTokens`n").Replace("    Acl = @(`n", "    Acl = @(`n$newAcl`n")
    $text = $text.Replace("Id = 'SvcRole00'; Privileges = @('VM.Audit')", "Id = 'SvcRole00'; Privileges = @('VM.Audit', 'Sys.Audit')")
    $text = $text.Replace("Id = 'SvcRole01'; Privileges = @('VM.Audit', 'VM.Backup')", "Id = 'SvcRole01'; Privileges = @('VM.Audit')")
    for ($i = 0; $i -lt $renamed; $i++) { $text = $text.Replace("Comment = 'token $i';", "Comment = 'token $i (renamed)';") }
    Set-Content $policy $text
    $planned = @(Get-PveAccessPlan -Path $policy)
    $minimal = @($planned | Where-Object ObjectType -ne Acl).Count +
        @($planned | Where-Object ObjectType -eq Acl | Group-Object { $_.Id.Split(' ')[0] + ' ' + $_.Id.Split(' ')[2] }).Count
    $apply = Measure-Requests { Invoke-PveAccessPolicy -Path $policy -Confirm:$false }
    $after = @(Get-PveAccessPlan -Path $policy).Count

    [pscustomobject]@{
        Users            = $Users
        Tokens           = $Tokens
        Groups           = $Groups
        Roles            = $Roles
        Acl              = $Acl
        Runs             = $Runs
        ParseMs          = [math]::Round($readTimes.ParseMs, 1)
        UsersReadMs      = [math]::Round($readTimes.UsersMs, 1)
        AclReadMs        = [math]::Round($readTimes.AclMs, 1)
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
