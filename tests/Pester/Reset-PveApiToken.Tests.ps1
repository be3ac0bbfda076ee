BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')
    $script:Id = ',PveTokens.Commands.ResetPveApiTokenCommand'
    $script:SeedSecret = '5f0c7a3e-2b1d-4c8e-9a6f-0d3b7e1c4a92'

    function Get-TokenPermission([string] $Url, [string] $Header) {
        # What the token itself may do, asked with the token (its ACL entries show up here).
        Invoke-RestMethod -Uri "$($Url.TrimEnd('/'))/api2/json/access/permissions" -SkipCertificateCheck -Headers @{ Authorization = $Header }
    }
}

Describe 'Reset-PveApiToken on PVE <Version>' -ForEach @(
    @{ Version = '9.2.0'; InPlace = $true }
    @{ Version = '8.4.1'; InPlace = $false }
) {
    BeforeAll {
        $script:server = Start-TokenTestServer -PveVersion $Version
    }

    AfterAll {
        Stop-TokenTestServer $script:server
    }

    It 'gives the token a new secret, keeping its settings and ACL entries' {
        $r = Invoke-Traced { Reset-PveApiToken -UserId ci@pve -TokenId backup -Confirm:$false }

        $r.Errors | Should -BeNullOrEmpty
        $token = $r.Output[0]
        $token | Should -BeOfType ([PveTokens.Models.PveApiTokenSecret])
        $token.FullTokenId | Should -Be 'ci@pve!backup'
        $token.PrivilegeSeparation | Should -BeTrue
        $token.GetPlainTextSecret() | Should -Not -Be $script:SeedSecret
        $r.Text | Should -Not -BeLike "*$($token.GetPlainTextSecret())*"

        # The new secret works and still carries the token's ACL entry (PVEVMUser on /vms); the old one is dead.
        (Get-TokenPermission $script:server.Url $token.GetAuthorizationHeaderValue()).data.'/vms'.'VM.Audit' | Should -Be 1
        { Get-TokenPermission $script:server.Url "PVEAPIToken ci@pve!backup=$($script:SeedSecret)" } | Should -Throw

        if ($InPlace) {
            $r.Warnings | Should -BeNullOrEmpty
            $r.Calls | Should -Be @('PUT /access/users/ci@pve/token/backup (regenerate)')
        }
        else {
            $r.Warnings | Should -HaveCount 1
            $r.Warnings[0] | Should -BeLike '*cannot regenerate*re-creating*1 ACL entry*'
            $r.Calls | Should -Be @(
                'PUT /access/users/ci@pve/token/backup (regenerate)', 'GET /access/users/ci@pve/token/backup', 'GET /access/acl',
                'GET /access/permissions (path)', 'DELETE /access/users/ci@pve/token/backup', 'POST /access/users/ci@pve/token/backup (expire, privsep)',
                'PUT /access/acl (path, roles, tokens, propagate)')
        }
    }

    It 'returns the new secret as New-PveApiToken does, ready for Connect-PveServer' {
        $session = Reset-PveApiToken ci@pve monitoring -Confirm:$false -WarningAction SilentlyContinue |
            Connect-PveServer -Server $script:server.Url -CertificateThumbprint $script:server.Thumbprint -PassThru
        try {
            $session.Identity | Should -Be 'ci@pve!monitoring'
        }
        finally {
            $session | Disconnect-PveServer
        }
    }

    It 'rotates the tokens a pipeline selects' {
        $null = New-PveApiToken ci@pve backup-db
        $rotated = Get-PveApiToken -TokenId backup* | Reset-PveApiToken -Confirm:$false -WarningAction SilentlyContinue

        $rotated.FullTokenId | Sort-Object | Should -Be @('ci@pve!backup', 'ci@pve!backup-db')
    }

    It 'with -NoRecreate regenerates in place, or fails with RegenerateNotSupported and changes nothing' {
        $r = Invoke-Traced { Reset-PveApiToken ci@pve backup -NoRecreate -Confirm:$false }

        if ($InPlace) {
            $r.Errors | Should -BeNullOrEmpty
            $r.Output | Should -HaveCount 1
        }
        else {
            $r.Errors | Should -HaveCount 1
            $r.Errors[0].FullyQualifiedErrorId | Should -Be ('RegenerateNotSupported' + $script:Id)
            $r.Calls | Should -Be @('PUT /access/users/ci@pve/token/backup (regenerate)')
            $r.Errors[0].ErrorDetails.Message | Should -BeLike '*8.4.1*9.1.0*Nothing was changed*'
        }
    }

    It 'sends nothing with -WhatIf and is ConfirmImpact High' {
        $r = Invoke-Traced { Reset-PveApiToken ci@pve backup -WhatIf }

        $r.Calls | Should -BeNullOrEmpty
        (Get-Command Reset-PveApiToken).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0].ConfirmImpact |
            Should -Be 'High'
    }

    It 'reports TokenNotFound' {
        Reset-PveApiToken ci@pve nope -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e

        $e[0].FullyQualifiedErrorId | Should -Be ('TokenNotFound' + $script:Id)
    }
}
