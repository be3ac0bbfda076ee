# Starts and stops the PVE emulator as a child process. Dot-sourced by the demo, the benchmark
# and the Pester suite, so that there is one place that knows the emulator's command line.

function Start-PveEmulatorProcess {
    <#
    .SYNOPSIS
        Starts tests/PveEmulator (staged in out/PveEmulator) and returns its URL, certificate
        fingerprint, root password and process once it prints its LISTENING line.
    #>
    param(
        [Parameter(Mandatory)] [string] $EmulatorPath,
        [string] $PveVersion = '9.2.0',
        [string] $RootPassword = 'Emulator-Root-1',
        [string] $SeedFile,
        [int] $AuthFailureDelayMs = 0,
        [int] $TicketLifetimeSeconds = 7200,
        [string[]] $ExtraArgument = @()
    )
    $arguments = @((Join-Path $EmulatorPath 'PveEmulator.dll'), 'serve', '--pve-version', $PveVersion,
        '--root-password', $RootPassword, '--auth-failure-delay-ms', $AuthFailureDelayMs,
        '--ticket-lifetime-s', $TicketLifetimeSeconds)
    if ($SeedFile) { $arguments += @('--seed', $SeedFile) }
    $arguments += $ExtraArgument

    $info = New-Object System.Diagnostics.ProcessStartInfo 'dotnet'
    # ProcessStartInfo.ArgumentList does not exist on Windows PowerShell 5.1's .NET Framework.
    $info.Arguments = ($arguments | ForEach-Object { '"' + ([string]$_ -replace '"', '\"') + '"' }) -join ' '
    $info.RedirectStandardInput = $true
    $info.RedirectStandardOutput = $true
    $info.UseShellExecute = $false
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if ($line -notmatch '^LISTENING (\S+) ([0-9A-Fa-f]{64})$') {
        if (-not $process.HasExited) { $process.Kill() }
        throw "The PVE emulator did not start: expected 'LISTENING <url> <sha256>', got '$line'."
    }
    [pscustomobject]@{
        Url          = $Matches[1]
        Thumbprint   = $Matches[2]
        RootPassword = $RootPassword
        Process      = $process
    }
}

function Stop-PveEmulatorProcess {
    <#
    .SYNOPSIS
        Closes the emulator's standard input (its signal to stop) and waits for it to exit.
    #>
    param([Parameter(Mandatory)] $Emulator)
    try { $Emulator.Process.StandardInput.Close() } catch { }
    if (-not $Emulator.Process.WaitForExit(10000)) { $Emulator.Process.Kill() }
}
