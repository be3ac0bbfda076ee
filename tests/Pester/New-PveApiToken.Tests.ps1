BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')
    $script:server = Start-TokenTestServer
    $script:Id = ',PveTokens.Commands.NewPveApiTokenCommand'
}

AfterAll {
    Stop-TokenTestServer $script:server
}

Describe 'New-PveApiToken' {
    It 'creates a privilege-separated token that never expires, sending privsep=1 explicitly' {
        $r = Invoke-Traced { New-PveApiToken -UserId ci@pve -TokenId pester1 }

        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -HaveCount 1
        $token = $r.Output[0]
        $token | Should -BeOfType ([PveTokens.Models.PveApiTokenSecret])
        $token.FullTokenId | Should -Be 'ci@pve!pester1'
        $token.PrivilegeSeparation | Should -BeTrue
        $token.ExpiresAt | Should -BeNullOrEmpty
        $token.Secret | Should -BeOfType ([securestring])
        $token.Session | Should -Be $script:server.Session
        $r.Calls | Should -Be @('POST /access/users/ci@pve/token/pester1 (privsep)')
    }

    It 'keeps a 2100 expiry, a Unicode comment and privilege separation off' {
        $at = [datetime]::SpecifyKind([datetime]'2100-01-01', 'Utc')
        $token = New-PveApiToken ci@pve pester2 -Comment 'Prüfung ✓' -ExpiresAt $at -PrivilegeSeparation $false -Confirm:$false

        $read = Get-PveApiToken ci@pve pester2
        foreach ($t in $token, $read) {
            $t.ExpiresAt.ToUniversalTime() | Should -Be $at
            $t.Comment | Should -Be 'Prüfung ✓'
            $t.PrivilegeSeparation | Should -BeFalse
        }
    }

    It 'never shows the secret in any stream, view, string or serialisation' {
        $r = Invoke-Traced {
            $t = New-PveApiToken -UserId ci@pve -TokenId pester3 -Comment 'hygiene' -ExpiresIn (New-TimeSpan -Days 1)
            $t
            "$t"
            $t.ToString()
            $t | Format-List * | Out-String
            $t | Format-Table * | Out-String
            $t | ConvertTo-Json -Depth 1 -WarningAction SilentlyContinue
        }
        $secret = $r.Output[0].GetPlainTextSecret()

        $secret | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        $r.Text | Should -Not -BeLike "*$secret*"
        ($r.Output[0] | Out-String) | Should -BeLike '*cannot be shown again*'
        ($r.Output[0] | Format-List | Out-String) | Should -BeLike '*cannot show it again*'
    }

    It 'converts to a credential, and to a header value that Invoke-RestMethod accepts' {
        $token = New-PveApiToken -UserId ci@pve -TokenId pester4 -PrivilegeSeparation $false -Confirm:$false
        $credential = [pscredential]$token

        $credential.UserName | Should -Be 'ci@pve!pester4'
        $credential.GetNetworkCredential().Password | Should -Be $token.GetPlainTextSecret()
        $answer = Invoke-RestMethod -Uri "$($script:server.Url.TrimEnd('/'))/api2/json/access/permissions" -SkipCertificateCheck `
            -Headers @{ Authorization = $token.GetAuthorizationHeaderValue() }
        $answer.data.PSObject.Properties.Name | Should -Contain '/vms'
    }

    It 'pipes into Connect-PveServer' {
        $session = New-PveApiToken -UserId ci@pve -TokenId pester5 |
            Connect-PveServer -Server $script:server.Url -CertificateThumbprint $script:server.Thumbprint -PassThru
        try {
            $session.Identity | Should -Be 'ci@pve!pester5'
            $session.AuthMethod | Should -Be 'ApiToken'
        }
        finally {
            $session | Disconnect-PveServer
        }
    }

    It 'refuses <Case> before sending anything' -TestCases @(
        @{ Case = 'a user id without realm'; Script = { New-PveApiToken -UserId ci -TokenId x1 }; ErrorId = 'InvalidUserId' }
        @{ Case = 'a token id starting with a digit'; Script = { New-PveApiToken -UserId ci@pve -TokenId 9x }; ErrorId = 'InvalidTokenId' }
        @{ Case = 'an expiry in the past'; Script = { New-PveApiToken -UserId ci@pve -TokenId x1 -ExpiresAt '2001-01-01' }; ErrorId = 'ExpiryInPast' }
        @{ Case = 'both expiry forms'; Script = { New-PveApiToken -UserId ci@pve -TokenId x1 -ExpiresAt (Get-Date).AddDays(1) -ExpiresIn 1:00:00 }; ErrorId = 'ConflictingExpiry' }
    ) {
        $r = Invoke-Traced $Script

        $r.Errors | Should -HaveCount 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be ($ErrorId + $script:Id)
        $r.Calls | Should -BeNullOrEmpty
    }

    It 'reports TokenAlreadyExists and UserNotFound' {
        New-PveApiToken -UserId ci@pve -TokenId backup -ErrorAction SilentlyContinue -ErrorVariable e1
        New-PveApiToken -UserId nobody@pve -TokenId x1 -ErrorAction SilentlyContinue -ErrorVariable e2

        $e1[0].FullyQualifiedErrorId | Should -Be ('TokenAlreadyExists' + $script:Id)
        $e2[0].FullyQualifiedErrorId | Should -Be ('UserNotFound' + $script:Id)
    }

    It 'sends nothing with -WhatIf' {
        $r = Invoke-Traced { New-PveApiToken -UserId ci@pve -TokenId pester6 -WhatIf }

        $r.Output | Should -BeNullOrEmpty
        $r.Calls | Should -BeNullOrEmpty
        Get-PveApiToken -UserId ci@pve -TokenId pester6* | Should -BeNullOrEmpty
    }
}
