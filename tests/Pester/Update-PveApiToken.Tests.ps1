BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')
    $script:server = Start-TokenTestServer
    $script:Id = ',PveTokens.Commands.UpdatePveApiTokenCommand'
    $null = New-PveApiToken ci@pve nosep -PrivilegeSeparation $false -Comment 'keep me' -ExpiresAt '2099-12-31' -Confirm:$false
}

AfterAll {
    Stop-TokenTestServer $script:server
}

Describe 'Update-PveApiToken' {
    It 'sends only <Sent> for <Arguments>' -TestCases @(
        @{ Arguments = '-Comment x'; Sent = 'comment' }
        @{ Arguments = '-NoExpiry'; Sent = 'expire' }
        @{ Arguments = '-ExpiresIn 30.00:00:00'; Sent = 'expire' }
        @{ Arguments = '-PrivilegeSeparation $false -Confirm:$false'; Sent = 'privsep' }
    ) {
        $command = [scriptblock]::Create("Update-PveApiToken -UserId ci@pve -TokenId nosep $Arguments")
        $r = Invoke-Traced $command

        $r.Errors | Should -BeNullOrEmpty
        $r.Calls | Should -Be @("PUT /access/users/ci@pve/token/nosep ($Sent)")
    }

    It 'never flips privilege separation when it is not named' {
        Update-PveApiToken ci@pve nosep -Comment 'changed' -ExpiresAt '2100-01-01'

        $token = Get-PveApiToken ci@pve nosep
        $token.PrivilegeSeparation | Should -BeFalse
        $token.Comment | Should -Be 'changed'
        $token.ExpiresAt.Year | Should -Be 2100
    }

    It 'returns the updated token with -PassThru and accepts tokens from the pipeline' {
        $updated = Get-PveApiToken -UserId ci@pve -TokenId nosep | Update-PveApiToken -NoExpiry -PrivilegeSeparation $true -PassThru

        $updated | Should -BeOfType ([PveTokens.Models.PveApiToken])
        $updated.ExpiresAt | Should -BeNullOrEmpty
        $updated.PrivilegeSeparation | Should -BeTrue
        $updated.Comment | Should -Be 'changed'
    }

    It 'removes a comment with an empty -Comment on PVE 9.2' {
        $r = Invoke-Traced { Update-PveApiToken ci@pve nosep -Comment '' -PassThru }

        $r.Calls | Should -Be @('PUT /access/users/ci@pve/token/nosep (delete)', 'GET /access/users/ci@pve')
        $r.Output[0].Comment | Should -BeNullOrEmpty
        (Get-PveApiToken ci@pve nosep).Comment | Should -BeNullOrEmpty
    }

    It 'says plainly that PVE 8.4 cannot remove a comment, and changes nothing' {
        $old = Start-TokenTestServer -PveVersion '8.4.1'
        try {
            Update-PveApiToken ci@pve backup -Comment 'set' -Session $old.Session
            Update-PveApiToken ci@pve backup -Comment '' -Session $old.Session -ErrorAction SilentlyContinue -ErrorVariable e

            $e | Should -HaveCount 1
            $e[0].FullyQualifiedErrorId | Should -Be ('CommentClearNotSupported' + $script:Id)
            $e[0].ErrorDetails.Message | Should -BeLike '*8.4.1*cannot remove a token*s comment*Nothing was changed*'
            (Get-PveApiToken ci@pve backup -Session $old.Session).Comment | Should -Be 'set'
        }
        finally {
            Stop-TokenTestServer $old
        }
    }

    It 'refuses <Case> before sending anything' -TestCases @(
        @{ Case = 'no change'; Script = { Update-PveApiToken ci@pve nosep }; ErrorId = 'NothingToUpdate' }
        @{ Case = 'two expiries'; Script = { Update-PveApiToken ci@pve nosep -NoExpiry -ExpiresIn 1:00:00 }; ErrorId = 'ConflictingExpiry' }
        @{ Case = 'a past expiry'; Script = { Update-PveApiToken ci@pve nosep -ExpiresAt (Get-Date).AddSeconds(-5) }; ErrorId = 'ExpiryInPast' }
        @{ Case = 'a bad user id'; Script = { Update-PveApiToken 'c i@pve' nosep -Comment x }; ErrorId = 'InvalidUserId' }
    ) {
        $r = Invoke-Traced $Script

        $r.Errors[0].FullyQualifiedErrorId | Should -Be ($ErrorId + $script:Id)
        $r.Calls | Should -BeNullOrEmpty
    }

    It 'sends nothing with -WhatIf' {
        $r = Invoke-Traced { Update-PveApiToken ci@pve nosep -Comment 'what if' -WhatIf }

        $r.Calls | Should -BeNullOrEmpty
        (Get-PveApiToken ci@pve nosep).Comment | Should -BeNullOrEmpty
    }

    It 'reports TokenNotFound' {
        Update-PveApiToken ci@pve nope -Comment x -ErrorAction SilentlyContinue -ErrorVariable e

        $e[0].FullyQualifiedErrorId | Should -Be ('TokenNotFound' + $script:Id)
    }
}
