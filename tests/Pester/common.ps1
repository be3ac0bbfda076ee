# Dot-sourced by every *.Tests.ps1: imports the staged module and offers helpers to run the emulator.
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:PVETOKENS_MODULE_PATH) { $env:PVETOKENS_MODULE_PATH } else { Join-Path $script:RepoRoot 'out/PveTokens' }
$script:EmulatorPath = if ($env:PVETOKENS_EMULATOR_PATH) { $env:PVETOKENS_EMULATOR_PATH } else { Join-Path $script:RepoRoot 'out/PveEmulator' }

Import-Module (Join-Path $script:ModulePath 'PveTokens.psd1') -Force

function Start-PveEmulator {
    <#
    .SYNOPSIS
        Starts the emulator as a process and returns its URL, certificate fingerprint and process.
    #>
    param(
        [string] $PveVersion = '9.2.0',
        [string] $RootPassword = 'Emulator-Root-1',
        [string] $SeedFile,
        [int] $AuthFailureDelayMs = 0,
        [int] $TicketLifetimeSeconds = 7200
    )
    $arguments = @((Join-Path $script:EmulatorPath 'PveEmulator.dll'), 'serve', '--pve-version', $PveVersion,
        '--root-password', $RootPassword, '--auth-failure-delay-ms', $AuthFailureDelayMs, '--ticket-lifetime-s', $TicketLifetimeSeconds)
    if ($SeedFile) { $arguments += @('--seed', $SeedFile) }

    $info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in $arguments) { $info.ArgumentList.Add([string]$a) }
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^LISTENING (\S+) ([0-9A-F]{64})$') {
        $process.Kill()
        throw "The emulator did not start: '$line'"
    }
    [pscustomobject]@{
        Url          = $Matches[1]
        Thumbprint   = $Matches[2]
        RootPassword = $RootPassword
        Process      = $process
    }
}

function Stop-PveEmulator {
    param([Parameter(Mandatory)] $Emulator)
    $Emulator.Process.StandardInput.Close()
    if (-not $Emulator.Process.WaitForExit(10000)) { $Emulator.Process.Kill() }
}

function New-PveSeedFile {
    <#
    .SYNOPSIS
        Writes an emulator seed (users, groups, tokens, acl) to a temporary JSON file and returns its path.
    .EXAMPLE
        $seed = New-PveSeedFile @{ tokens = @(@{ userid = 'root@pam'; tokenid = 'ci'; secret = $secret; privsep = 0 }) }
    #>
    param([Parameter(Mandatory)] [hashtable] $Seed)
    $path = Join-Path ([IO.Path]::GetTempPath()) ("pve-seed-{0}.json" -f [guid]::NewGuid())
    $Seed | ConvertTo-Json -Depth 6 | Set-Content -Path $path -Encoding UTF8
    $path
}
