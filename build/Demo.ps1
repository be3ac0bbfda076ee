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
$info = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
foreach ($a in @((Join-Path $EmulatorPath 'PveEmulator.dll'), 'serve', '--auth-failure-delay-ms', '0')) { $info.ArgumentList.Add($a) }
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
}
finally {
    $emulator.StandardInput.Close()
    if (-not $emulator.WaitForExit(10000)) { $emulator.Kill() }
}
