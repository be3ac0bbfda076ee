BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $seed = @{
        groups = @(@{ groupid = 'ops' })
        users  = @(
            @{ userid = 'ci@pve'; password = 'Ci-Password-1' },
            @{ userid = 'alice@pve'; password = 'Alice-Pass-1'; groups = @('ops') }
        )
        tokens = @(
            @{ userid = 'ci@pve'; tokenid = 'backup'; privsep = 1 },
            @{ userid = 'ci@pve'; tokenid = 'deploy'; privsep = 1 }
        )
        acl    = @(
            @{ path = '/vms/100'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'ci@pve!backup'; propagate = 1 },
            @{ path = '/'; roleid = 'PVEAuditor'; type = 'group'; ugid = 'ops'; propagate = 1 }
        )
    }
    $seedFile = Join-Path $TestDrive 'acl-seed.json'
    $seed | ConvertTo-Json -Depth 5 | Set-Content -Path $seedFile -Encoding utf8

    function Connect-Root($Emulator) {
        $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $Emulator.RootPassword -AsPlainText -Force))
        Connect-PveServer -Server $Emulator.Url -Credential $credential -CertificateThumbprint $Emulator.Thumbprint -PassThru
    }

    function Complete([string] $Line) {
        [System.Management.Automation.CommandCompletion]::CompleteInput($Line, $Line.Length, $null).CompletionMatches
    }

    function PutCount($VerboseRecords) {
        @($VerboseRecords | Where-Object { "$_" -match 'PUT /access/acl' }).Count
    }
}

Describe 'ACL cmdlets against the emulator' {
    BeforeEach {
        $emulator = Start-PveEmulator -SeedFile $seedFile
        $session = Connect-Root $emulator
    }

    AfterEach {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $emulator
    }

    It 'lists typed entries that render as a table' {
        $acl = Get-PveAcl
        $acl | Should -HaveCount 2
        $acl[0] | Should -BeOfType ([PveTokens.Models.PveAcl])
        $text = $acl | Out-String
        # The PVE UI's permission grid (the view is the polish branch's: docs/views/acl-*.txt).
        $text | Should -Match 'Path\s+Type\s+Principal\s+Role\s+Propagate'
        $text | Should -Match '/vms/100\s+Token\s+ci@pve!backup\s+PVEVMUser\s+Yes'
    }

    It 'grants to every token piped from Get-PveApiToken in one request' {
        $result = Get-PveApiToken -UserId ci@pve | Set-PveAcl -Path /vms/200 -Role PVEVMUser -PassThru -Verbose 4>&1
        $verbose = @($result | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $entries = @($result | Where-Object { $_ -is [PveTokens.Models.PveAcl] })
        $entries.Principal | Sort-Object | Should -Be @('ci@pve!backup', 'ci@pve!deploy')
        PutCount $verbose | Should -Be 1
        (Get-PveAcl -Path /vms/200).Principal | Sort-Object | Should -Be @('ci@pve!backup', 'ci@pve!deploy')
    }

    It 'sends nothing the second time and says so' {
        Set-PveAcl -Path /vms/300 -Role PVEAuditor -TokenId 'ci@pve!deploy'
        $second = Set-PveAcl -Path /vms/300 -Role PVEAuditor -TokenId 'ci@pve!deploy' -Verbose 4>&1
        PutCount $second | Should -Be 0
        "$second" | Should -Match "already has PVEAuditor on /vms/300 \(propagate: yes\): nothing to send"
    }

    It 'sets propagate either way' {
        Set-PveAcl -Path /nodes -Role PVESysAdmin -UserId ci@pve -Propagate $false
        (Get-PveAcl -Path /nodes -UserId ci@pve).Propagate | Should -BeFalse
        Set-PveAcl -Path /nodes -Role PVESysAdmin -UserId ci@pve -Propagate $true
        (Get-PveAcl -Path /nodes -UserId ci@pve).Propagate | Should -BeTrue
    }

    It 'changes nothing with -WhatIf' {
        Set-PveAcl -Path /vms/400 -Role PVEVMUser -TokenId 'ci@pve!deploy' -WhatIf
        Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -WhatIf
        Get-PveAcl -Path /vms/400 | Should -BeNullOrEmpty
        Get-PveAcl -Path /vms/100 | Should -HaveCount 1
    }

    It 'revokes, and revoking again sends nothing' {
        Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -Confirm:$false
        Get-PveAcl -TokenId 'ci@pve!backup' | Should -BeNullOrEmpty
        $again = Remove-PveAcl -Path /vms/100 -Role PVEVMUser -TokenId 'ci@pve!backup' -Confirm:$false -Verbose 4>&1 3>&1
        PutCount $again | Should -Be 0
        # A revoke of nothing is usually a typo: it says so.
        @($again | Where-Object { $_ -is [System.Management.Automation.WarningRecord] }).Message |
            Should -BeLike "*ci@pve!backup' has no ACL entry with 'PVEVMUser' on /vms/100: nothing to revoke*"
    }

    It 'removes the entries Get-PveAcl pipes in' {
        $removed = Get-PveAcl -GroupId ops | Remove-PveAcl -Confirm:$false -PassThru
        $removed.Principal | Should -Be 'ops'
        Get-PveAcl -GroupId ops | Should -BeNullOrEmpty
    }

    It 'refuses <Case> with <Id>' -TestCases @(
        @{ Case = 'a VM id below 100'; Script = { Set-PveAcl -Path /vms/99 -Role PVEVMUser -UserId ci@pve }; Id = 'InvalidAclPath,PveTokens.Commands.SetPveAclCommand' }
        @{ Case = 'an unknown root'; Script = { Set-PveAcl -Path /users -Role PVEVMUser -UserId ci@pve }; Id = 'InvalidAclPath,PveTokens.Commands.SetPveAclCommand' }
        @{ Case = 'a bare token name'; Script = { Set-PveAcl -Path /vms -Role PVEVMUser -TokenId backup }; Id = 'InvalidTokenId,PveTokens.Commands.SetPveAclCommand' }
        @{ Case = 'an unknown role'; Script = { Set-PveAcl -Path /vms -Role NoSuchRole -UserId ci@pve }; Id = 'AclRoleNotFound,PveTokens.Commands.SetPveAclCommand' }
        @{ Case = 'an unknown token'; Script = { Set-PveAcl -Path /vms -Role PVEVMUser -TokenId 'ci@pve!nope' }; Id = 'AclPrincipalNotFound,PveTokens.Commands.SetPveAclCommand' }
        @{ Case = 'an unknown group'; Script = { Remove-PveAcl -Path /vms -Role PVEVMUser -GroupId nogroup -Confirm:$false }; Id = $null }
    ) {
        $ErrorActionPreference = 'Continue'
        # Whole-call mistakes (the path, a role name) terminate; per-item ones are non-terminating.
        $err = try { @(& $Script 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) } catch { @($_) }
        if ($Id) {
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -Be $Id
        }
        else {
            # Nothing to revoke from a group that holds nothing: no request, no error.
            $err | Should -BeNullOrEmpty
        }
    }

    It 'explains an unknown role in the error' {
        Set-PveAcl -Path /vms -Role NoSuchRole -UserId ci@pve -ErrorAction SilentlyContinue -ErrorVariable err
        $err[0].ErrorDetails.Message | Should -Match "The role 'NoSuchRole' does not exist"
        $err[0].ErrorDetails.Message | Should -Match 'Get-PveRole'
    }

    It 'completes <Line>' -TestCases @(
        @{ Line = 'Set-PveAcl -Path /vms -Role PVEVMU'; Expected = @('PVEVMUser') }
        @{ Line = 'Get-PveAcl -TokenId ci@pve!d'; Expected = @('ci@pve!deploy') }
        @{ Line = 'Remove-PveAcl -UserId al'; Expected = @('alice@pve') }
        @{ Line = 'Get-PvePermission -Path /vms/1'; Expected = @('/vms/100') }
    ) {
        (Complete $Line).CompletionText | Should -Be $Expected
    }
}

Describe 'Completers without a session' {
    It 'offer the fixed path roots and nothing from a server' {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        (Complete 'Get-PveAcl -Path /ac').CompletionText | Should -Be @('/access', '/access/groups', '/access/realm')
        Complete 'Get-PveUser -UserId r' | Should -BeNullOrEmpty
    }
}
