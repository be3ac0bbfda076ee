# Dot-sourced by every *.Tests.ps1: imports the staged module and offers helpers to run the emulator.
$ErrorActionPreference = 'Stop'

$script:RepoRoot = (Resolve-Path (Join-Path $PSScriptRoot '../..')).Path
$script:ModulePath = if ($env:PVETOKENS_MODULE_PATH) { $env:PVETOKENS_MODULE_PATH } else { Join-Path $script:RepoRoot 'out/PveTokens' }
$script:EmulatorPath = if ($env:PVETOKENS_EMULATOR_PATH) { $env:PVETOKENS_EMULATOR_PATH } else { Join-Path $script:RepoRoot 'out/PveEmulator' }

Import-Module (Join-Path $script:ModulePath 'PveTokens.psd1') -Force

. (Join-Path $script:RepoRoot 'build/PveEmulatorProcess.ps1')

function Start-PveEmulator {
    <#
    .SYNOPSIS
        Starts the staged emulator as a process; returns its Url, Thumbprint, RootPassword and Process.
    #>
    param(
        [string] $PveVersion = '9.2.0',
        [string] $RootPassword = 'Emulator-Root-1',
        [string] $SeedFile,
        [int] $AuthFailureDelayMs = 0,
        [int] $TicketLifetimeSeconds = 7200,
        [string[]] $ExtraArgument = @()
    )
    Start-PveEmulatorProcess -EmulatorPath $script:EmulatorPath @PSBoundParameters
}

function Stop-PveEmulator {
    param([Parameter(Mandatory)] $Emulator)
    Stop-PveEmulatorProcess $Emulator
}

# --- Help pages and their examples (used by Help.Tests.ps1) -------------------------------------

$script:DocsPath = Join-Path $script:RepoRoot 'docs/en-US'
$script:ExampleSeedFile = Join-Path $PSScriptRoot 'examples-seed.json'

function Get-HelpPage {
    <#
    .SYNOPSIS
        Reads the parts of a PlatyPS cmdlet page that the help tests check: the documented parameter
        names and the examples, each with the code of its first fenced block and its run markers.
    .DESCRIPTION
        Example markers, as comment lines in the example's code:
          # example: not-run (reason)   the runner skips the example and reports the reason
          # example: no-session         the runner does not connect a session before the example
    #>
    param([Parameter(Mandatory)] [string] $Path)
    $lines = (Get-Content -LiteralPath $Path -Raw) -replace "`r`n", "`n" -split "`n"
    $section = $null; $current = $null; $fence = $null; $code = $null
    $parameters = New-Object System.Collections.Generic.List[string]
    $examples = New-Object System.Collections.Generic.List[object]
    $synopsis = New-Object System.Collections.Generic.List[string]
    $output = $null
    foreach ($line in $lines) {
        if ($fence) {
            if ($line -match '^\s{0,3}```\s*$') {
                if ($null -ne $code -and $current -and $null -eq $current.Code) { $current.Code = $code -join "`n" }
                if ($null -ne $output) { $current.Outputs.Add($output -join "`n") }
                $fence = $null; $code = $null; $output = $null
            }
            elseif ($null -ne $code) { $code.Add($line) }
            elseif ($null -ne $output) { $output.Add($line) }
            continue
        }
        if ($line -match '^\s{0,3}```\s*([A-Za-z0-9_+-]*)\s*$') {
            $fence = $true
            # Only the first block of an example is its code; later ones (output) are not run, but
            # their table headings are compared with what the example really writes.
            $code = if ($section -eq 'EXAMPLES' -and $current -and $null -eq $current.Code) {
                $current.Language = $Matches[1]; New-Object System.Collections.Generic.List[string]
            } else { $null }
            $output = if ($section -eq 'EXAMPLES' -and $current -and $null -eq $code -and $Matches[1] -eq 'output') {
                New-Object System.Collections.Generic.List[string]
            } else { $null }
            continue
        }
        if ($line -match '^##\s+(.+?)\s*$') { $section = $Matches[1].ToUpperInvariant(); $current = $null; continue }
        if ($line -match '^###\s+(.+?)\s*$') {
            $heading = $Matches[1]
            if ($section -eq 'PARAMETERS' -and $heading -match '^-(\w+)$') { $parameters.Add($Matches[1]) }
            if ($section -eq 'EXAMPLES' -and $heading -match '^Example\s+(\d+)\s*(?:[:.\-]|--)?\s*(.*)$') {
                $current = [pscustomobject]@{ Number = [int]$Matches[1]; Title = $Matches[2]; Language = $null; Code = $null; Outputs = New-Object System.Collections.Generic.List[string] }
                $examples.Add($current)
            }
            continue
        }
        if ($section -eq 'SYNOPSIS' -and $line.Trim() -ne '') { $synopsis.Add($line.Trim()) }
    }
    foreach ($example in $examples) {
        $notRun = if ($example.Code -match '(?m)^\s*#\s*example:\s*not-run\b\s*(?:\((.*)\))?') { if ($Matches[1]) { $Matches[1] } else { 'no reason given' } } else { $null }
        $example | Add-Member -NotePropertyName NotRunReason -NotePropertyValue $notRun
        $example | Add-Member -NotePropertyName NeedsSession -NotePropertyValue (-not ($example.Code -match '(?m)^\s*#\s*example:\s*no-session\b'))
    }
    [pscustomobject]@{
        Path       = $Path
        Synopsis   = ($synopsis -join ' ')
        Parameters = $parameters.ToArray()
        Examples   = $examples.ToArray()
    }
}

function Get-TableHeading {
    <#
    .SYNOPSIS
        The heading lines of the tables in a text (a line followed by a line of dash runs, as
        Format-Table writes them), each with its columns separated by single spaces.
    #>
    param([AllowEmptyString()] [string] $Text)
    $lines = @($Text -replace "`r`n", "`n" -split "`n")
    for ($i = 0; $i -lt $lines.Count - 1; $i++) {
        if ($lines[$i].Trim() -and $lines[$i + 1] -match '^\s*-+(\s+-+)*\s*$') {
            ($lines[$i].Trim() -split '\s+') -join ' '
        }
    }
}

function Get-HelpDocumentedParameter {
    <#
    .SYNOPSIS
        The parameters a cmdlet's page must document: all but the common parameters, with WhatIf and
        Confirm included for cmdlets that support ShouldProcess.
    #>
    param([Parameter(Mandatory)] [System.Management.Automation.CommandInfo] $Command)
    $common = @([System.Management.Automation.Cmdlet]::CommonParameters) + @([System.Management.Automation.Cmdlet]::OptionalCommonParameters) |
        Where-Object { $_ -ne 'WhatIf' -and $_ -ne 'Confirm' }
    @($Command.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
}

function Invoke-HelpExample {
    <#
    .SYNOPSIS
        Runs one help example the way a reader would after connecting: in a fresh runspace with the
        module imported and (unless the example says '# example: no-session') a default session to a
        fresh emulator seeded with examples-seed.json, signed in as root@pam.
    .DESCRIPTION
        The runspace has no host, so nothing can prompt: $ConfirmPreference is 'None', and
        Get-Credential returns root@pam (or the given user name) with the emulator's root password.
        When Microsoft.PowerShell.SecretManagement is not installed, Set-Secret and Get-Secret keep
        secrets in memory. The output is piped to Out-String so format views run too.
        Returns the output text and the errors; throws on a terminating error or a timeout.
    #>
    param(
        [Parameter(Mandatory)] [string] $Code,
        [switch] $NoSession,
        [string] $SeedFile = $script:ExampleSeedFile,
        [int] $TimeoutSeconds = 60
    )
    $emulator = Start-PveEmulator -SeedFile $SeedFile
    $ps = [powershell]::Create()
    try {
        $setup = {
            param($Manifest, $Url, $Thumbprint, $RootPassword, $Connect)
            $global:ConfirmPreference = 'None'
            $global:PveExampleRootPassword = $RootPassword
            Import-Module $Manifest
            function global:Get-Credential {
                param([Parameter(Position = 0)] [string] $UserName = 'root@pam', [string] $Message, [string] $Title)
                New-Object System.Management.Automation.PSCredential $UserName, (ConvertTo-SecureString $global:PveExampleRootPassword -AsPlainText -Force)
            }
            if (-not (Get-Command Set-Secret -ErrorAction SilentlyContinue)) {
                $global:PveExampleVault = @{}
                function global:Set-Secret {
                    param([Parameter(Mandatory, Position = 0)] [string] $Name, [Parameter(Mandatory, Position = 1)] [object] $Secret, [string] $Vault)
                    $global:PveExampleVault[$Name] = $Secret
                }
                function global:Get-Secret {
                    param([Parameter(Mandatory, Position = 0)] [string] $Name, [string] $Vault, [switch] $AsPlainText)
                    if (-not $global:PveExampleVault.ContainsKey($Name)) { throw "Get-Secret: no secret named '$Name'." }
                    $secret = $global:PveExampleVault[$Name]
                    if ($AsPlainText -and $secret -is [securestring]) { return [System.Net.NetworkCredential]::new('', $secret).Password }
                    $secret
                }
            }
            if ($Connect) {
                $credential = New-Object System.Management.Automation.PSCredential 'root@pam', (ConvertTo-SecureString $RootPassword -AsPlainText -Force)
                $null = Connect-PveServer -Server $Url -Credential $credential -CertificateThumbprint $Thumbprint
                Remove-Variable credential
            }
        }
        $null = $ps.AddScript($setup.ToString()).AddParameters(@{
                Manifest = (Join-Path $script:ModulePath 'PveTokens.psd1'); Url = $emulator.Url; Thumbprint = $emulator.Thumbprint
                RootPassword = $emulator.RootPassword; Connect = (-not $NoSession)
            })
        $null = $ps.Invoke()
        if ($ps.Streams.Error.Count -gt 0) { throw "The example's setup failed: $($ps.Streams.Error -join '; ')" }
        $ps.Commands.Clear()

        $null = $ps.AddScript($Code).AddCommand('Out-String').AddParameter('Width', 200)
        $async = $ps.BeginInvoke()
        if (-not $async.AsyncWaitHandle.WaitOne($TimeoutSeconds * 1000)) {
            $ps.Stop()
            throw "The example did not finish within $TimeoutSeconds s."
        }
        $output = $ps.EndInvoke($async)
        [pscustomobject]@{
            Output = ($output -join '')
            Errors = @($ps.Streams.Error | ForEach-Object { $_.ToString() })
        }
    }
    finally {
        $ps.Dispose()
        Stop-PveEmulator $emulator
    }
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
