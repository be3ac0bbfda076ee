# Dot-sourced by the *-PveApiToken.Tests.ps1 files after common.ps1: an emulator process seeded with
# the examples fixture (ci@pve!backup, ci@pve!monitoring, alice@pve!old expired), a root@pam session,
# and the HTTP calls a command made, read from the client's verbose line per call.

function Start-TokenTestServer {
    param([string] $PveVersion = '9.2.0')
    $emulator = Start-PveEmulator -PveVersion $PveVersion -SeedFile $script:ExampleSeedFile
    $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $emulator.RootPassword -AsPlainText -Force))
    $session = Connect-PveServer -Server $emulator.Url -Credential $credential -CertificateThumbprint $emulator.Thumbprint
    $emulator | Add-Member -NotePropertyName Session -NotePropertyValue $session -PassThru
}

function Stop-TokenTestServer {
    param($Server)
    if ($Server) {
        $Server.Session | Disconnect-PveServer
        Stop-PveEmulator $Server
    }
}

function Invoke-Traced {
    <#
    .SYNOPSIS
        Runs a script block with -Verbose semantics and returns its output, errors, warnings, the
        HTTP calls ("GET /access/users (full) -> 200 OK") and all text any stream showed.
    #>
    param([Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $ErrorActionPreference = 'Continue'
    $VerbosePreference = 'Continue'
    $WarningPreference = 'Continue'
    $all = [System.Collections.Generic.List[object]]::new()
    try {
        & $ScriptBlock *>&1 | ForEach-Object { $all.Add($_) }
    }
    catch {
        # A terminating error (ThrowTerminatingError) ends the command; keep it with the others.
        $all.Add($_)
    }
    $VerbosePreference = 'SilentlyContinue'
    $output = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] -and $_ -isnot [System.Management.Automation.ErrorRecord] -and
            $_ -isnot [System.Management.Automation.WarningRecord] -and $_ -isnot [System.Management.Automation.InformationRecord] })
    $verbose = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
    [pscustomobject]@{
        Output   = $output
        Errors   = @($all | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        Warnings = @($all | Where-Object { $_ -is [System.Management.Automation.WarningRecord] } | ForEach-Object Message)
        Calls    = @($verbose | ForEach-Object { if ($_ -match '\s((GET|POST|PUT|DELETE) \S+.*?) -> ') { $Matches[1] } })
        Text     = ($all | Out-String -Width 500) + ($output | Format-List * | Out-String -Width 500) + ($output | Format-Table | Out-String -Width 500)
    }
}
