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

function Show([scriptblock] $Command) {
    # Prints the command as typed, then what it shows.
    Write-Host ('PS> ' + $Command.ToString().Trim()) -ForegroundColor Yellow
    & $Command | Out-Host
}

. (Join-Path $PSScriptRoot 'PveEmulatorProcess.ps1')

function Start-Emulator([string] $PveVersion) {
    # The example fixture: users ci@pve (tokens backup, monitoring) and alice@pve (an expired token).
    Start-PveEmulatorProcess -EmulatorPath $EmulatorPath -PveVersion $PveVersion -SeedFile (Join-Path $PSScriptRoot '../tests/Pester/examples-seed.json')
}

function Stop-Emulator($Emulator) {
    if ($Emulator) { Stop-PveEmulatorProcess $Emulator }
}

Step 'Starting the PVE emulator (an HTTPS stand-in for a Proxmox VE 9.2 node on 127.0.0.1)'
$emulator = Start-Emulator '9.2.0'
$old = $null
try {
    $url = $emulator.Url; $thumbprint = $emulator.Thumbprint
    Write-Host "Emulator at $url, certificate SHA-256 $thumbprint"

    Step 'Importing the staged module'
    Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force
    Get-Command -Module PveTokens | Format-Table -AutoSize | Out-Host

    Step 'Connecting as root@pam, trusting exactly the emulator''s certificate (default password Emulator-Root-1)'
    $rootCredential = [pscredential]::new('root@pam', (ConvertTo-SecureString 'Emulator-Root-1' -AsPlainText -Force))
    Show { Connect-PveServer -Server $url -Credential $rootCredential -CertificateThumbprint $thumbprint -PassThru }

    Step 'Creating a token for ci@pve: privilege separation on (the default), expiring in 90 days'
    Write-Host 'The secret comes back once, as a SecureString; the view says it exists, never what it is.'
    Write-Host "PS> `$token = New-PveApiToken -UserId ci@pve -TokenId deploy -Comment 'deploy pipeline' -ExpiresIn (New-TimeSpan -Days 90)" -ForegroundColor Yellow
    $token = New-PveApiToken -UserId ci@pve -TokenId deploy -Comment 'deploy pipeline' -ExpiresIn (New-TimeSpan -Days 90)
    Show { $token }
    Show { $token | Format-List }
    Write-Host 'Store it now, e.g. as a credential whose user name is the full token id:'
    Show { $token.ToCredential() }

    Step 'Using the new token: it pipes straight into Connect-PveServer'
    Show { $token | Connect-PveServer -Server $url -CertificateThumbprint $thumbprint -PassThru }
    Write-Host 'Closing the token session; the root@pam session is the default again.'
    Get-PveSession | Where-Object Identity -EQ $token.FullTokenId | Disconnect-PveServer
    Show { Get-PveSession }

    Step 'Listing every token of every user: one request, however many users (the verbose line shows it)'
    Show { Get-PveApiToken -Verbose }

    Step 'Inspecting: one token in full, tokens expiring within 120 days, expired tokens'
    Show { Get-PveApiToken -UserId ci@pve -TokenId deploy | Format-List }
    Show { Get-PveApiToken -ExpiringWithin (New-TimeSpan -Days 120) }
    Show { Get-PveApiToken -Expired }

    Step 'ACLs: granting the new token a role on one VM (the token object pipes into Set-PveAcl)'
    Write-Host 'With privilege separation the token has no rights until entries name it, and never more than ci@pve has.'
    Show { $token | Set-PveAcl -Path /vms/100 -Role PVEVMUser -PassThru }

    Step 'Granting it again: the entry already exists, so nothing is sent (-Verbose says why)'
    Show { Set-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!deploy' -Verbose }

    Step 'Its effective permissions on /vms/100, as PVE computes them'
    Show { Get-PvePermission -TokenId 'ci@pve!deploy' -Path /vms/100 }

    Step 'What it lacks compared with its user: why a snapshot with this token would answer 403'
    Show { Get-PvePermission -TokenId 'ci@pve!deploy' -Path /vms/100 -CompareWithOwner | Where-Object State -EQ OwnerOnly }

    Step 'Revoking the role again; the token has no entries left'
    Show { Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!deploy' -Confirm:$false -PassThru }
    Show { Get-PveAcl -TokenId 'ci@pve!deploy' }

    Step 'Updating: a new comment and a one-year expiry; only those two fields are sent, privilege separation stays on'
    Show { Update-PveApiToken -UserId ci@pve -TokenId deploy -Comment 'deploy pipeline (prod)' -ExpiresAt (Get-Date).AddYears(1) -PassThru -Verbose }

    Step 'Rotating the secret in place (PVE 9.2: PUT ... regenerate=1); id, settings and ACL entries stay'
    Show { Reset-PveApiToken -UserId ci@pve -TokenId deploy -Confirm:$false }

    Step 'Rotating on an older server (a second emulator playing PVE 8.4), which cannot regenerate in place'
    Write-Host 'Reset-PveApiToken warns, deletes and re-creates the token with the same settings, and re-grants its ACL entries.'
    $old = Start-Emulator '8.4.1'
    Write-Host 'PS> $oldSession = Connect-PveServer -Server $old.Url -Credential $rootCredential -CertificateThumbprint $old.Thumbprint -PassThru' -ForegroundColor Yellow
    $oldSession = Connect-PveServer -Server $old.Url -Credential $rootCredential -CertificateThumbprint $old.Thumbprint -PassThru
    Show { Get-PveApiToken -UserId ci@pve -TokenId backup -Session $oldSession | Reset-PveApiToken -Confirm:$false }
    $oldSession | Disconnect-PveServer

    Step 'Auditing the tokens: one finding per problem, grouped by severity (two requests, plus a permission look-up only where a role on / might be broad)'
    Show { Get-PveApiTokenAudit -Verbose }
    Write-Host 'The token created above, with the command that fixes each finding:'
    Show { Get-PveApiTokenAudit -TokenId 'ci@pve!deploy' | Format-List Severity, Finding, Detail, Remediation }
    Show { Get-PveApiTokenAudit -Summary }

    Step 'Testing tokens without connecting: the preflight automation runs (no session is left behind)'
    Write-Host 'The secret New-PveApiToken returned was replaced by the reset above. PVE 9.2 only says "Authentication failed!";'
    Write-Host 'the reason comes from the token''s settings, read through the root@pam session to the same server:'
    Show { Test-PveApiToken -ApiToken $token | Format-List FullTokenId, Authenticated, Reason, ReasonSource, Message }
    Write-Host 'A token kept in a secret store comes back as a PSCredential (the fixture''s ci@pve!backup here; never printed):'
    $stored = [pscredential]::new('ci@pve!backup', (ConvertTo-SecureString '5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92' -AsPlainText -Force))
    Show { Test-PveApiToken -ApiToken $stored -Path /vms/100 -Privilege VM.PowerMgmt, VM.Snapshot }
    Show { Get-PveSession }

    Step 'Removing: first see what would go (-WhatIf sends nothing), then remove; the token''s ACL entries go with it'
    Show { Get-PveApiToken -Expired | Remove-PveApiToken -WhatIf }
    Show { Remove-PveApiToken -UserId ci@pve -TokenId deploy -Confirm:$false }
    Show { Get-PveApiToken -UserId ci@pve }
}
finally {
    Get-PveSession -ErrorAction SilentlyContinue | Disconnect-PveServer -ErrorAction SilentlyContinue
    Stop-Emulator $old
    Stop-Emulator $emulator
}
