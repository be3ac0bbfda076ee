BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $script:Secret = [guid]::NewGuid().ToString()
    $script:SeedPath = New-PveSeedFile @{
        users  = @(@{ userid = 'alice@pve'; password = 'Alice-Pass-1'; enable = 1; expire = 0 })
        tokens = @(@{ userid = 'root@pam'; tokenid = 'pester'; secret = $script:Secret; privsep = 0; expire = 0 })
    }
    $script:Emulator = Start-PveEmulator -SeedFile $script:SeedPath
    $script:Other = Start-PveEmulator -PveVersion '8.4.1'
    $script:Token = "root@pam!pester=$($script:Secret)"
}

AfterAll {
    Get-PveSession | Disconnect-PveServer
    if ($script:Emulator) { Stop-PveEmulator $script:Emulator }
    if ($script:Other) { Stop-PveEmulator $script:Other }
    if ($script:SeedPath) { Remove-Item $script:SeedPath -ErrorAction SilentlyContinue }
}

Describe 'Connect-PveServer' {
    AfterEach {
        Get-PveSession | Disconnect-PveServer
    }

    It 'connects with a token - <Form>' -TestCases @(
        @{ Form = 'string' }
        @{ Form = 'header string' }
        @{ Form = 'SecureString' }
        @{ Form = 'PSCredential' }
    ) {
        param($Form)
        $token = switch ($Form) {
            'string' { $script:Token }
            'header string' { "PVEAPIToken=$($script:Token)" }
            'SecureString' { ConvertTo-SecureString $script:Token -AsPlainText -Force }
            'PSCredential' { [pscredential]::new('root@pam!pester', (ConvertTo-SecureString $script:Secret -AsPlainText -Force)) }
        }
        $session = Connect-PveServer -PassThru -Server $script:Emulator.Url -ApiToken $token -CertificateThumbprint $script:Emulator.Thumbprint

        $session | Should -BeOfType ([PveTokens.Models.PveSession])
        $session.Identity | Should -Be 'root@pam!pester'
        $session.AuthMethod | Should -Be 'ApiToken'
        $session.Version | Should -Be '9.2.0'
        $session.CertificatePolicy | Should -Be 'Pinned'
        ($session | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($script:Secret))
    }

    It 'connects with a credential, appending -Realm' {
        $cred = [pscredential]::new('alice', (ConvertTo-SecureString 'Alice-Pass-1' -AsPlainText -Force))
        $session = Connect-PveServer -PassThru $script:Emulator.Url -Credential $cred -Realm pve -CertificateThumbprint $script:Emulator.Thumbprint

        $session.Identity | Should -Be 'alice@pve'
        $session.AuthMethod | Should -Be 'Ticket'
    }

    It 'accepts the fingerprint with colons in lower case' {
        $pin = ($script:Emulator.Thumbprint -split '(..)' -ne '' -join ':').ToLowerInvariant()
        $session = Connect-PveServer -PassThru $script:Emulator.Url -ApiToken $script:Token -CertificateThumbprint $pin
        $session.CertificateThumbprint | Should -Be $script:Emulator.Thumbprint
    }

    It 'fails with CertificatePinMismatch on a wrong pin, showing the presented fingerprint' {
        { Connect-PveServer $script:Emulator.Url -ApiToken $script:Token -CertificateThumbprint ('0' * 64) } |
            Should -Throw -ErrorId 'CertificatePinMismatch,PveTokens.Commands.ConnectPveServerCommand'
        $err = $null
        try { Connect-PveServer $script:Emulator.Url -ApiToken $script:Token -CertificateThumbprint ('0' * 64) } catch { $err = $_ }
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.ErrorDetails.Message | Should -Match ([regex]::Escape(($script:Emulator.Thumbprint -split '(..)' -ne '' -join ':')))
        Get-PveSession | Should -BeNullOrEmpty
    }

    It 'fails with AuthenticationFailed on a wrong secret and never shows it' {
        $wrong = "root@pam!pester=$([guid]::NewGuid())"
        $err = $null
        try { Connect-PveServer $script:Emulator.Url -ApiToken $wrong -CertificateThumbprint $script:Emulator.Thumbprint } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Be 'AuthenticationFailed,PveTokens.Commands.ConnectPveServerCommand'
        $err.CategoryInfo.Category | Should -Be 'AuthenticationError'
        ($err | Out-String) + $err.ErrorDetails.Message | Should -Not -Match ([regex]::Escape($wrong.Split('=')[1]))
    }

    It 'warns with -SkipCertificateCheck' {
        $session = Connect-PveServer -PassThru $script:Emulator.Url -ApiToken $script:Token -SkipCertificateCheck -WarningVariable warnings -WarningAction SilentlyContinue
        $session.CertificatePolicy | Should -Be 'Skip'
        $warnings | Should -HaveCount 1
        "$warnings" | Should -Match 'SkipCertificateCheck'
    }

    It 'writes a verbose line per HTTP call' {
        $verbose = Connect-PveServer -PassThru $script:Emulator.Url -ApiToken $script:Token -CertificateThumbprint $script:Emulator.Thumbprint -Verbose 4>&1 |
            Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $verbose.Message | Should -Match '^127\.0\.0\.1:\d+ GET /version -> 200 OK, \d+ ms$'
    }
}

Describe 'Get-PveSession and Disconnect-PveServer' {
    It 'keeps sessions to two servers side by side; the last is the default until disconnected' {
        $first = Connect-PveServer -PassThru $script:Emulator.Url -ApiToken $script:Token -CertificateThumbprint $script:Emulator.Thumbprint
        $cred = [pscredential]::new('root@pam', (ConvertTo-SecureString $script:Other.RootPassword -AsPlainText -Force))
        $second = Connect-PveServer -PassThru $script:Other.Url -Credential $cred -CertificateThumbprint $script:Other.Thumbprint

        @(Get-PveSession) | Should -HaveCount 2
        (Get-PveSession -Default).Version | Should -Be '8.4.1'
        (Get-PveSession | Format-Table | Out-String) | Should -Match 'root@pam!pester'

        Disconnect-PveServer
        $second.IsOpen | Should -BeFalse
        Get-PveSession -Default | Should -Be $first

        $first | Disconnect-PveServer
        Get-PveSession | Should -BeNullOrEmpty
    }

    It 'reports NoSession when there is nothing to disconnect, without stopping the script' {
        Disconnect-PveServer -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].FullyQualifiedErrorId | Should -Be 'NoSession,PveTokens.Commands.DisconnectPveServerCommand'
    }
}
