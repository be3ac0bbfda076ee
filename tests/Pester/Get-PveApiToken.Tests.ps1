BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')
    $script:server = Start-TokenTestServer
    $script:Id = ',PveTokens.Commands.GetPveApiTokenCommand'
}

AfterAll {
    Stop-TokenTestServer $script:server
}

Describe 'Get-PveApiToken' {
    It 'lists every token of every user with one request' {
        $r = Invoke-Traced { Get-PveApiToken }

        $r.Errors | Should -BeNullOrEmpty
        $r.Calls | Should -Be @('GET /access/users (full)')
        $r.Output.FullTokenId | Sort-Object | Should -Be @('alice@pve!old', 'ci@pve!backup', 'ci@pve!monitoring')
        $r.Output | ForEach-Object { $_ | Should -BeOfType ([PveTokens.Models.PveApiToken]) }
        ($r.Output | Where-Object TokenId -EQ old).Status | Should -Be 'Expired'
        ($r.Output | Where-Object TokenId -EQ backup).Status | Should -Be 'Active'
    }

    It 'asks for <What> with <Call>' -TestCases @(
        @{ What = 'one exact token'; Script = { Get-PveApiToken -UserId ci@pve -TokenId backup }; Call = 'GET /access/users/ci@pve'; Count = 1 }
        @{ What = 'one user'; Script = { Get-PveApiToken -UserId ci@pve }; Call = 'GET /access/users/ci@pve'; Count = 2 }
        @{ What = 'a user wildcard'; Script = { Get-PveApiToken -UserId *@pve -TokenId mon* }; Call = 'GET /access/users (full)'; Count = 1 }
    ) {
        $r = Invoke-Traced $Script

        $r.Calls | Should -Be @($Call)
        $r.Output | Should -HaveCount $Count
    }

    It 'writes ObjectNotFound errors for exact ids only' {
        Get-PveApiToken -UserId ci@pve -TokenId nope -ErrorAction SilentlyContinue -ErrorVariable e1
        Get-PveApiToken -UserId nobody@pve -ErrorAction SilentlyContinue -ErrorVariable e2
        $none = Get-PveApiToken -UserId ci@pve -TokenId nope* -ErrorVariable e3

        $e1[0].FullyQualifiedErrorId | Should -Be ('TokenNotFound' + $script:Id)
        $e1[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $e2[0].FullyQualifiedErrorId | Should -Be ('UserNotFound' + $script:Id)
        $none | Should -BeNullOrEmpty
        $e3 | Should -BeNullOrEmpty
    }

    It 'filters expired and soon-expiring tokens' {
        $null = New-PveApiToken ci@pve soon -ExpiresIn (New-TimeSpan -Days 2)

        (Get-PveApiToken -Expired).FullTokenId | Should -Be 'alice@pve!old'
        (Get-PveApiToken -ExpiringWithin (New-TimeSpan -Days 7)).FullTokenId | Should -Be 'ci@pve!soon'
        Get-PveApiToken -ExpiringWithin 1:00:00 | Should -BeNullOrEmpty
    }

    It 'shows local times and "never" in its table and no secret anywhere' {
        $table = Get-PveApiToken | Format-Table | Out-String
        $list = Get-PveApiToken -UserId alice@pve -TokenId old | Format-List | Out-String

        $table | Should -BeLike '*PrivilegeSeparation*Status*ExpiresAt*'
        $table | Should -BeLike '*never*'
        $list | Should -BeLike ('*' + [DateTimeOffset]::FromUnixTimeSeconds(1700000000).LocalDateTime.ToString('yyyy-MM-dd HH:mm:ss') + '*')
        (Get-PveApiToken | Format-List * | Out-String) | Should -Not -BeLike '*5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92*'
    }

    It 'takes user ids by property name and still asks once' {
        $r = Invoke-Traced { [pscustomobject]@{ UserId = 'ci@pve' }, [pscustomobject]@{ UserId = 'alice@pve' } | Get-PveApiToken }

        $r.Calls | Should -Be @('GET /access/users (full)')
        $r.Output.FullTokenId | Sort-Object | Should -Be @('alice@pve!old', 'ci@pve!backup', 'ci@pve!monitoring', 'ci@pve!soon')
    }
}
