BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')
    $script:server = Start-TokenTestServer
    $script:Id = ',PveTokens.Commands.RemovePveApiTokenCommand'
}

AfterAll {
    Stop-TokenTestServer $script:server
}

Describe 'Remove-PveApiToken' {
    It 'is ConfirmImpact High' {
        $attribute = (Get-Command Remove-PveApiToken).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
    }

    It 'sends nothing with -WhatIf' {
        $r = Invoke-Traced { Get-PveApiToken -UserId ci@pve | Remove-PveApiToken -WhatIf }

        $r.Calls | Should -Be @('GET /access/users/ci@pve')
        Get-PveApiToken -UserId ci@pve | Should -HaveCount 2
    }

    It 'removes one token' {
        $null = New-PveApiToken ci@pve scratch
        $r = Invoke-Traced { Remove-PveApiToken -UserId ci@pve -TokenId scratch -Confirm:$false }

        $r.Errors | Should -BeNullOrEmpty
        $r.Output | Should -BeNullOrEmpty
        $r.Calls | Should -Be @('DELETE /access/users/ci@pve/token/scratch')
        Get-PveApiToken -UserId ci@pve -TokenId scratch* | Should -BeNullOrEmpty
    }

    It 'removes the expired tokens a pipeline selects, on the session they came from' {
        $null = New-PveApiToken alice@pve current
        Get-PveApiToken -UserId alice@pve | Where-Object IsExpired | Remove-PveApiToken -Confirm:$false

        (Get-PveApiToken -UserId alice@pve).TokenId | Should -Be 'current'
    }

    It 'writes an error per failed item and goes on' {
        $null = New-PveApiToken ci@pve gone1
        $items = 'nope', 'gone1' | ForEach-Object { [pscustomobject]@{ UserId = 'ci@pve'; TokenId = $_ } }
        $items | Remove-PveApiToken -Confirm:$false -ErrorAction SilentlyContinue -ErrorVariable e

        $e | Should -HaveCount 1
        $e[0].FullyQualifiedErrorId | Should -Be ('TokenNotFound' + $script:Id)
        Get-PveApiToken -UserId ci@pve -TokenId gone1* | Should -BeNullOrEmpty
    }
}
