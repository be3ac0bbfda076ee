# Secrets never show: every exported cmdlet (discovered from the module, so a new cmdlet fails this
# test until it has a row in $script:Invocations) is run, succeeding and failing, with
# -Verbose -Debug -InformationAction Continue under Start-Transcript; then the transcript, every
# stream, $Error, and Format-List * / Format-Table of every returned object are searched for each
# token secret, password, ticket and CSRF token used. (The emulator's request log, which lives in
# its process, is searched by the xunit twin of this test, Reliability/SecretsTests.cs.)
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:SeedSecret = [guid]::NewGuid().ToString()
    $script:AlicePassword = 'Alice-Secret-Pass-7'
    $script:SeedPath = New-PveSeedFile @{
        users  = @(@{ userid = 'alice@pve'; password = $script:AlicePassword; enable = 1; expire = 0 })
        tokens = @(
            @{ userid = 'root@pam'; tokenid = 'sec'; secret = $script:SeedSecret; privsep = 0; expire = 0 }
            @{ userid = 'alice@pve'; tokenid = 'victim'; secret = [guid]::NewGuid().ToString(); privsep = 1; expire = 0 }
        )
    }
    $script:Emulator = Start-PveEmulator -SeedFile $script:SeedPath
    $script:RootPassword = $script:Emulator.RootPassword
    $script:Token = "root@pam!sec=$($script:SeedSecret)"
    $script:WrongSecret = [guid]::NewGuid().ToString()

    # A raw login: a real ticket and CSRF token of this server to search for, and their shapes.
    $login = Invoke-RestMethod -Method Post -Uri ($script:Emulator.Url.TrimEnd('/') + '/api2/json/access/ticket') -SkipCertificateCheck `
        -Body @{ username = 'root@pam'; password = $script:RootPassword }
    $script:RawTicket = $login.data.ticket
    $script:RawCsrf = $login.data.CSRFPreventionToken
    $script:TicketShape = 'PVE:[^:\s]+:[0-9A-F]{8}::[A-Za-z0-9+/=]{16,}'
    $script:CsrfShape = '\b[0-9A-F]{8}:[A-Za-z0-9+/]{43}\b'

    $url = $script:Emulator.Url; $fp = $script:Emulator.Thumbprint
    $rootCred = [pscredential]::new('root@pam', (ConvertTo-SecureString $script:RootPassword -AsPlainText -Force))
    $wrongCred = [pscredential]::new('alice@pve', (ConvertTo-SecureString 'Wrong-Pass-Secret-9' -AsPlainText -Force))
    $script:OtherSecrets = @('Wrong-Pass-Secret-9', 'Rest-Pass-Secret-7')
    $restPassword = ConvertTo-SecureString 'Rest-Pass-Secret-7' -AsPlainText -Force

    # A policy that creates a token (its secret is output) and is then planned, tested and exported.
    $script:PolicyFile = Join-Path ([IO.Path]::GetTempPath()) ("pve-secrets-policy-{0}.psd1" -f [guid]::NewGuid())
    Set-Content -Path $script:PolicyFile -Value "@{ SchemaVersion = 1; Tokens = @{ User = 'alice@pve'; Id = 'policy'; Lifetime = '30d'; RenewBefore = '7d' } }"

    # One or more safe invocations per cmdlet, succeeding and failing. $c holds the common parameters.
    $script:Invocations = @{
        'Connect-PveServer'    = @(
            { Connect-PveServer @c -Server $url -ApiToken $script:Token -CertificateThumbprint $fp }
            { Connect-PveServer @c -Server $url -ApiToken "PVEAPIToken=$($script:Token)" -CertificateThumbprint $fp -PassThru }
            { Connect-PveServer @c -Server $url -ApiToken (ConvertTo-SecureString $script:Token -AsPlainText -Force) -CertificateThumbprint $fp -PassThru }
            { Connect-PveServer @c -Server $url -ApiToken "root@pam!sec=$($script:WrongSecret)" -CertificateThumbprint $fp -MaximumRetryCount 0 }
            { Connect-PveServer @c -Server $url -ApiToken "root@pam!sec:$($script:WrongSecret)" -CertificateThumbprint $fp }
            { Connect-PveServer @c -Server $url -ApiToken $script:Token -CertificateThumbprint ('AB' * 32) -MaximumRetryCount 0 }
            { Connect-PveServer @c -Server $url -ApiToken $script:Token -SkipCertificateCheck -PassThru }
            { Connect-PveServer @c -Server $url -Credential $wrongCred -CertificateThumbprint $fp }
            { Connect-PveServer @c -Server $url -Credential $rootCred -CertificateThumbprint $fp -PassThru }
        )
        'Get-PveSession'       = @({ Get-PveSession @c }, { Get-PveSession @c -Default })
        'Set-PveSession'       = @({ Get-PveSession -Default | Set-PveSession @c -Default -PassThru })
        'Invoke-PveRestMethod' = @(
            { Invoke-PveRestMethod @c -Path /access/users }
            { Invoke-PveRestMethod @c -Method Post -Path /access/users -Body @{ userid = 'rest@pve'; password = $restPassword } -Confirm:$false }
            { Invoke-PveRestMethod @c -Method Put -Path /access/password -Body @{ userid = 'rest@pve'; password = 'Rest-Pass-Secret-7'; 'confirmation-password' = 'Wrong-Pass-Secret-9' } -Confirm:$false }
            { Invoke-PveRestMethod @c -Method Delete -Path /access/users/rest@pve -Confirm:$false }
        )
        'Disconnect-PveServer' = @({ Connect-PveServer -Server $url -ApiToken $script:Token -CertificateThumbprint $fp -PassThru | Disconnect-PveServer @c })
        'New-PveApiToken'      = @(
            { New-PveApiToken @c -UserId alice@pve -TokenId fresh -Comment 'made by the secrets test' -Confirm:$false }
            { New-PveApiToken @c -UserId alice@pve -TokenId fresh -Confirm:$false }
            { New-PveApiToken @c -UserId alice@pve -TokenId 'bad!' -Confirm:$false }
        )
        'Get-PveApiToken'      = @({ Get-PveApiToken @c }, { Get-PveApiToken @c -UserId alice@pve -TokenId nosuch })
        'Update-PveApiToken'   = @({ Update-PveApiToken @c -UserId alice@pve -TokenId fresh -Comment changed -PassThru -Confirm:$false })
        'Reset-PveApiToken'    = @(
            { Reset-PveApiToken @c -UserId alice@pve -TokenId victim -Confirm:$false }
            { Reset-PveApiToken @c -UserId alice@pve -TokenId nosuch -Confirm:$false }
        )
        'Set-PveAcl'           = @(
            { Set-PveAcl @c -Path /vms -TokenId 'alice@pve!victim' -Role PVEAuditor -PassThru -Confirm:$false }
            { Set-PveAcl @c -Path /vms -TokenId 'alice@pve!victim' -Role NoSuchRole -Confirm:$false }
        )
        'Get-PveAcl'           = @({ Get-PveAcl @c })
        'Remove-PveAcl'        = @({ Remove-PveAcl @c -Path /vms -TokenId 'alice@pve!victim' -Role PVEAuditor -PassThru -Confirm:$false })
        'Get-PvePermission'    = @({ Get-PvePermission @c -TokenId 'alice@pve!victim' }, { Get-PvePermission @c -UserId nosuch@pve })
        'Get-PveRole'          = @({ Get-PveRole @c -Name PVEAuditor })
        'Get-PveAccessReport'  = @({ Get-PveAccessReport @c -Privilege Sys.*, VM.Audit }, { Get-PveAccessReport @c -Path /vms -TokenId * }, { Get-PvePermission @c -TokenId 'alice@pve!victim' -Explain })
        'Get-PveUser'          = @({ Get-PveUser @c })
        'Get-PveApiTokenAudit' = @({ Get-PveApiTokenAudit @c }, { Get-PveApiTokenAudit @c -Summary })
        'Test-PveApiToken'     = @(
            { Test-PveApiToken @c -ApiToken $script:Token -Path / -Privilege Sys.Audit }
            { Test-PveApiToken @c -ApiToken "root@pam!sec=$($script:WrongSecret)" }
        )
        # Without -AsPlainText (which exists to show the secret): the hand-off stays a SecureString.
        'ConvertTo-PveTokenHandoff' = @(
            { ConvertTo-PveTokenHandoff @c -Format Header -Credential ([pscredential]::new('root@pam!sec', (ConvertTo-SecureString $script:SeedSecret -AsPlainText -Force))) }
            { ConvertTo-PveTokenHandoff @c -Format Curl -Credential ([pscredential]::new('root@pam', (ConvertTo-SecureString $script:SeedSecret -AsPlainText -Force))) }
            { New-PveApiToken @c -UserId alice@pve -TokenId handoff -Confirm:$false | ConvertTo-PveTokenHandoff @c -Format Environment }
        )
        'Get-PveAccessPlan'      = @({ Get-PveAccessPlan @c -Path $script:PolicyFile }, { Get-PveAccessPlan @c -Path $script:PolicyFile -Summary })
        'Invoke-PveAccessPolicy' = @({ Invoke-PveAccessPolicy @c -Path $script:PolicyFile -Confirm:$false })
        'Test-PveAccessPolicy'   = @({ Test-PveAccessPolicy @c -Path $script:PolicyFile -Detailed })
        'Export-PveAccessPolicy' = @({ Export-PveAccessPolicy @c })
        'Remove-PveApiToken'   = @(
            { Remove-PveApiToken @c -UserId alice@pve -TokenId fresh -Confirm:$false }
            { Remove-PveApiToken @c -UserId alice@pve -TokenId fresh -Confirm:$false }
        )
    }

    # A secret pasted where it does not belong (issue 13): a token string, a "name=secret" and a URL
    # with credentials, given to the parameters and positions a tired admin gets wrong. The bad-input
    # matrix (xunit, BadInputTests) feeds every parameter; this runs the mistakes under a transcript.
    $script:PastedSecret = [guid]::NewGuid().ToString()
    $script:OddSecret = 'Pasted-Odd-Secret-77'
    $pasted = "alice@pve!victim=$($script:PastedSecret)"
    $odd = $script:OddSecret
    $script:Mistakes = @(
        { Connect-PveServer @c $pasted $url -CertificateThumbprint $fp }
        { Test-PveApiToken @c $pasted }
        { Set-PveAcl @c / PVEAuditor -TokenId $pasted -Confirm:$false }
        { Get-PveApiToken @c $pasted }
        { Remove-PveApiToken @c -UserId alice@pve -TokenId "qtok2=$odd" -Confirm:$false }
        { Get-PvePermission @c -UserId $pasted }
        { Connect-PveServer @c -Server $url -CertificateThumbprint $fp -Credential ([pscredential]::new($pasted, (ConvertTo-SecureString $odd -AsPlainText -Force))) }
        { Connect-PveServer @c -Server $pasted -CertificateThumbprint $fp }
        { Connect-PveServer @c -Server "https://alice@pve:$odd@127.0.0.1:8006/?token=$odd" -ApiToken $script:Token }
        { Connect-PveServer @c -Server $url -CertificateThumbprint $fp -ApiToken "alice@pve!victim=$odd" }
        { $pasted | ConvertTo-PveTokenHandoff @c Header }
        { ConvertTo-PveTokenHandoff @c $pasted }
        { Get-PveApiToken @c | ConvertTo-PveTokenHandoff @c Header }
    )

    # Every parameter PowerShell's binder converts (a date, a number, an enum, a session, a token
    # object), discovered: the binder quotes what it cannot convert before any module code runs.
    $common = [System.Management.Automation.Cmdlet]::CommonParameters + [System.Management.Automation.Cmdlet]::OptionalCommonParameters
    $script:Mistakes += foreach ($command in Get-Command -Module PveTokens -CommandType Cmdlet) {
        foreach ($parameter in $command.Parameters.Values) {
            if ($common -contains $parameter.Name -or $parameter.ParameterType -in [string], [string[]], [switch], [bool], [object], [object[]]) { continue }
            [scriptblock]::Create("$($command.Name) -$($parameter.Name):`$pasted @c")
            [scriptblock]::Create("$($command.Name) -$($parameter.Name):([pscustomobject]@{ Token = `$pasted }) @c")
        }
    }
}

AfterAll {
    Get-PveSession | Disconnect-PveServer
    if ($script:Emulator) { Stop-PveEmulator $script:Emulator }
    if ($script:SeedPath) { Remove-Item $script:SeedPath -ErrorAction SilentlyContinue }
    if ($script:PolicyFile) { Remove-Item $script:PolicyFile -ErrorAction SilentlyContinue }
}

Describe 'Secrets never appear in any output' {
    It 'has a safe invocation for every exported cmdlet' {
        $missing = @(Get-Command -Module PveTokens -CommandType Cmdlet | Where-Object { -not $script:Invocations.ContainsKey($_.Name) } | ForEach-Object Name)
        $missing | Should -BeNullOrEmpty -Because 'every cmdlet must be run by this test (add a row to $script:Invocations)'
    }

    It 'shows no secret, password, ticket or CSRF token in the transcript, streams, $Error or format views' {
        $transcript = Join-Path ([IO.Path]::GetTempPath()) ("pve-secrets-{0}.txt" -f [guid]::NewGuid())
        $c = @{ Verbose = $true; Debug = $true; InformationAction = 'Continue'; ErrorAction = 'Continue'; WarningAction = 'Continue' }
        $DebugPreference = 'Continue'
        $ErrorActionPreference = 'Continue'
        $Error.Clear()
        $texts = [System.Collections.Generic.List[string]]::new()
        $issued = [System.Collections.Generic.List[string]]::new()
        $ran = 0
        Start-Transcript -Path $transcript -Force | Out-Null
        try {
            $order = @('Connect-PveServer', 'Get-PveSession', 'Disconnect-PveServer', 'New-PveApiToken', 'Get-PveApiToken', 'Update-PveApiToken',
                'Reset-PveApiToken', 'Set-PveAcl', 'Get-PveAcl', 'Remove-PveAcl', 'Get-PvePermission', 'Get-PveRole', 'Get-PveUser', 'Remove-PveApiToken')
            $names = @($order) + @($script:Invocations.Keys | Where-Object { $order -notcontains $_ } | Sort-Object)
            foreach ($name in $names) {
                foreach ($invocation in $script:Invocations[$name]) {
                    $ran++
                    # Every stream into one list (errors, warnings, verbose, debug, information and output).
                    $records = @(try { & $invocation *>&1 } catch { $_ })
                    $records | Out-Host
                    $texts.Add(($records | Out-String -Width 400))
                    foreach ($r in $records) {
                        if ($r -is [System.Management.Automation.ErrorRecord]) {
                            $texts.Add(($r | Format-List * -Force | Out-String -Width 400))
                            for ($x = $r.Exception; $x; $x = $x.InnerException) { $texts.Add($x.ToString()); $texts.Add(($x | Format-List * -Force | Out-String -Width 400)) }
                            $texts.Add([string]$r.TargetObject)
                        }
                        elseif ($r -is [System.Management.Automation.InformationalRecord] -or $r -is [System.Management.Automation.InformationRecord]) {
                            $texts.Add($r.ToString())
                        }
                        else {
                            $texts.Add(($r | Format-List * | Out-String -Width 400))
                            $texts.Add(($r | Format-Table | Out-String -Width 400))
                            $texts.Add(($r | Format-Table * | Out-String -Width 400))
                            $texts.Add([string]$r)
                            $r | Format-List * | Out-Host
                            if ($r -is [PveTokens.Models.PveApiTokenSecret]) { $issued.Add($r.GetPlainTextSecret()) }
                        }
                    }
                }
            }
            foreach ($mistake in $script:Mistakes) {
                $ran++
                $records = @(try { & $mistake *>&1 } catch { $_ })
                $records | Out-Host
                $texts.Add(($records | Out-String -Width 400))
                foreach ($r in $records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) {
                    $texts.Add(($r | Format-List * -Force | Out-String -Width 400))
                    for ($x = $r.Exception; $x; $x = $x.InnerException) { $texts.Add($x.ToString()) }
                    $texts.Add([string]$r.TargetObject)
                }
            }
            $texts.Add(($Error | Format-List * -Force | Out-String -Width 400))
            $texts.Add(($Error | ForEach-Object { $_.Exception.ToString() }) -join "`n")
        }
        finally {
            Stop-Transcript | Out-Null
        }
        $transcriptText = Get-Content -LiteralPath $transcript -Raw
        Remove-Item -LiteralPath $transcript

        $ran | Should -BeGreaterThan 20
        $issued.Count | Should -Be 3 -Because 'New-PveApiToken, Reset-PveApiToken and Invoke-PveAccessPolicy (creating a token) each returned one secret'
        $all = ($texts -join "`n") + "`n" + $transcriptText
        $all | Should -Match 'PVEAPIToken|Verbose|VERBOSE' -Because 'the streams were captured'
        $secrets = @($script:SeedSecret, $script:WrongSecret, $script:RootPassword, $script:AlicePassword, $script:RawTicket, $script:RawCsrf,
            $script:PastedSecret, $script:OddSecret) + $script:OtherSecrets + $issued
        foreach ($secret in $secrets) {
            $secret | Should -Not -BeNullOrEmpty
            foreach ($where in @{ transcript = $transcriptText; streams = ($texts -join "`n") }.GetEnumerator()) {
                $where.Value.Contains($secret) | Should -BeFalse -Because "a secret ($($secret.Length) chars) must not appear in the $($where.Key)"
            }
        }
        $all | Should -Not -Match $script:TicketShape -Because 'no ticket may appear anywhere'
        $all | Should -Not -Match $script:CsrfShape -Because 'no CSRF token may appear anywhere'
    }
}
