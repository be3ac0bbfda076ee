#Requires -Version 5.1
<#
.SYNOPSIS
    Sets up an interactive session for looking at the module's format views (docs/views/).

.DESCRIPTION
    Dot-source it in an interactive pwsh: it imports the staged module, starts the PVE emulator
    with the docs' example data plus a few tokens that show every token state, and connects as
    root@pam. $Emulator holds the emulator; 'Stop-PveEmulatorProcess $Emulator' ends it.
    The prompt becomes a neutral 'PS> ' (no local path in the captures) and PSReadLine keeps no
    history of the session. build/Save-ViewCaptures.sh runs it inside tmux at 80 and 200 columns,
    waits for that prompt and keeps the screens.

.EXAMPLE
    dotnet pwsh -NoExit -c '. ./build/Enter-ViewsSession.ps1'
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/PveTokens'),
    [string] $EmulatorPath = (Join-Path $PSScriptRoot '../out/PveEmulator')
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'PveEmulatorProcess.ps1')
Import-Module (Join-Path $ModulePath 'PveTokens.psd1') -Force
$Emulator = Start-PveEmulatorProcess -EmulatorPath $EmulatorPath -SeedFile (Join-Path $PSScriptRoot '../tests/Pester/examples-seed.json')
$rootCredential = New-Object System.Management.Automation.PSCredential('root@pam', (ConvertTo-SecureString $Emulator.RootPassword -AsPlainText -Force))
$null = Connect-PveServer -Server $Emulator.Url -Credential $rootCredential -CertificateThumbprint $Emulator.Thumbprint
$null = New-PveApiToken -UserId ci@pve -TokenId terraform -Comment 'Terraform runs from the build agents (bpg provider)' -ExpiresIn (New-TimeSpan -Days 5)
$null = New-PveApiToken -UserId alice@pve -TokenId laptop -PrivilegeSeparation $false -Confirm:$false -ExpiresAt (Get-Date).Date.AddDays(90)
$null = Set-PveAcl -Path /storage/backup-nfs -Role PVEDatastoreUser -TokenId ci@pve!backup
$null = Set-PveAcl -Path /pool/production -Role PVEVMUser -GroupId ops -Propagate $false
$ErrorActionPreference = 'Continue'
# A neutral prompt: the captures must not show the folder they were made in.
function global:prompt { 'PS> ' }
if (Get-Command Set-PSReadLineOption -ErrorAction SilentlyContinue) {
    # The typed view commands do not belong in the user's PSReadLine history.
    Set-PSReadLineOption -HistorySaveStyle SaveNothing
}
Clear-Host
