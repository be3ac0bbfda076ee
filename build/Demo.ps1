#Requires -Version 5.1
<#
.SYNOPSIS
    Walks through PveTokens against a freshly started PVE emulator, narrating each step.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath
)
$ErrorActionPreference = 'Stop'
if ($PSVersionTable.PSVersion.Major -ge 7 -and $env:NO_COLOR) { $PSStyle.OutputRendering = 'PlainText' }

function Step([string] $Text) { Write-Host ''; Write-Host "### $Text" -ForegroundColor Cyan }

Step 'Starting the PVE emulator (an HTTPS stand-in for a Proxmox VE node on 127.0.0.1)'
# A user with rights on /vms and a privilege-separated token that has none yet, for the ACL steps.
$seedFile = Join-Path ([System.IO.Path]::GetTempPath()) "pvetokens-demo-$PID.json"
@{
    users  = @(@{ userid = 'ci@pve'; password = 'Demo-Ci-Pass-1' })
    tokens = @(@{ userid = 'ci@pve'; tokenid = 'backup'; privsep = 1 })
    acl    = @(@{ path = '/vms'; roleid = 'PVEVMAdmin'; type = 'user'; ugid = 'ci@pve'; propagate = 1 })
} | ConvertTo-Json -Depth 4 | Set-Content -Path $seedFile -Encoding UTF8
$rootPassword = 'Demo-Root-Pass-1'
$info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @((Join-Path $EmulatorPath 'PveEmulator.dll'), 'serve', '--auth-failure-delay-ms', '0', '--root-password', $rootPassword, '--seed', $seedFile)) {
    $info.ArgumentList.Add($a)
}
$info.RedirectStandardInput = $true
$info.RedirectStandardOutput = $true
$info.UseShellExecute = $false
$emulator = [System.Diagnostics.Process]::Start($info)
try {
    $line = $emulator.StandardOutput.ReadLine()
    if ($line -notmatch '^LISTENING (\S+) ([0-9A-F]{64})$') { throw "The emulator did not start: '$line'" }
    $url = $Matches[1]; $thumbprint = $Matches[2]
    Write-Host "Emulator at $url, certificate SHA-256 $thumbprint"

    Step 'Importing the staged module'
    Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force
    Get-Command -Module PveTokens | Format-Table -AutoSize | Out-Host

    Step 'Connecting as root@pam, pinning the emulator''s certificate'
    $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $rootPassword -AsPlainText -Force))
    Connect-PveServer -Server $url -Credential $credential -CertificateThumbprint $thumbprint -PassThru | Out-Host

    Step 'ACLs: the token ci@pve!backup has privilege separation and no entries of its own yet'
    Get-PveAcl | Out-Host

    Step 'Granting the token PVEVMUser on VM 100 (Set-PveAcl ... -PassThru)'
    Set-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -PassThru | Out-Host

    Step 'Granting it again: the entry exists, so nothing is sent (-Verbose shows why)'
    Set-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -Verbose 4>&1 | ForEach-Object { Write-Host "VERBOSE: $_" }

    Step 'Its effective permissions on /vms/100 (Get-PvePermission)'
    Get-PvePermission -TokenId 'ci@pve!backup' -Path /vms/100 | Out-Host

    Step 'What it lacks compared with its user: why a snapshot with this token would get 403'
    Get-PvePermission -TokenId 'ci@pve!backup' -Path /vms/100 -CompareWithOwner | Where-Object State -EQ OwnerOnly | Out-Host

    Step 'Revoking the grant (Remove-PveAcl), and the token has no entries left'
    Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -Confirm:$false -PassThru | Out-Host
    Write-Host "Entries of ci@pve!backup now: $(@(Get-PveAcl -TokenId 'ci@pve!backup').Count)"
}
finally {
    $emulator.StandardInput.Close()
    if (-not $emulator.WaitForExit(10000)) { $emulator.Kill() }
    Remove-Item $seedFile -ErrorAction SilentlyContinue
}
