BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $seed = @{
        groups = @(@{ groupid = 'auditors' })
        users  = @(
            @{ userid = 'dave@pve'; password = 'Dave-Pass-1'; groups = @('auditors') },
            @{ userid = 'bob@pve'; password = 'Bob-Pass-1' },
            @{ userid = 'carol@pve'; password = 'Carol-Pass-1' }
        )
        tokens = @(
            @{ userid = 'carol@pve'; tokenid = 'sep'; privsep = 1 },
            @{ userid = 'carol@pve'; tokenid = 'full'; privsep = 0 },
            @{ userid = 'root@pam'; tokenid = 'sep'; privsep = 1 }
        )
        acl    = @(
            @{ path = '/'; roleid = 'PVEAuditor'; type = 'group'; ugid = 'auditors' },
            @{ path = '/vms/100'; roleid = 'PVEVMUser'; type = 'user'; ugid = 'dave@pve' },
            @{ path = '/vms'; roleid = 'PVEVMAdmin'; type = 'user'; ugid = 'bob@pve' },
            @{ path = '/vms/100'; roleid = 'PVEAuditor'; type = 'user'; ugid = 'bob@pve' },
            @{ path = '/vms/101'; roleid = 'NoAccess'; type = 'user'; ugid = 'bob@pve' },
            @{ path = '/nodes'; roleid = 'PVESysAdmin'; type = 'user'; ugid = 'bob@pve'; propagate = 0 },
            @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'user'; ugid = 'carol@pve' },
            @{ path = '/storage'; roleid = 'PVEDatastoreUser'; type = 'user'; ugid = 'carol@pve' },
            @{ path = '/vms'; roleid = 'PVEVMAdmin'; type = 'token'; ugid = 'carol@pve!sep' },
            @{ path = '/pool'; roleid = 'PVEPoolAdmin'; type = 'token'; ugid = 'carol@pve!full' },
            @{ path = '/vms'; roleid = 'PVEAuditor'; type = 'token'; ugid = 'root@pam!sep' }
        )
    }
    $seedFile = Join-Path $TestDrive 'permission-seed.json'
    $seed | ConvertTo-Json -Depth 5 | Set-Content -Path $seedFile -Encoding utf8

    $emulator = Start-PveEmulator -SeedFile $seedFile
    $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $emulator.RootPassword -AsPlainText -Force))
    $null = Connect-PveServer -Server $emulator.Url -Credential $credential -CertificateThumbprint $emulator.Thumbprint

    $vmUser = @('VM.Audit', 'VM.Backup', 'VM.Config.CDROM', 'VM.Config.Cloudinit', 'VM.Console', 'VM.GuestAgent.Audit',
        'VM.GuestAgent.FileRead', 'VM.GuestAgent.FileSystemMgmt', 'VM.GuestAgent.FileWrite', 'VM.PowerMgmt')
    $auditor = @('Datastore.Audit', 'Mapping.Audit', 'Pool.Audit', 'SDN.Audit', 'Sys.Audit', 'VM.Audit', 'VM.GuestAgent.Audit')

    function Privileges($Rows, [string] $Path) {
        @($Rows | Where-Object Path -EQ $Path | ForEach-Object Privilege | Sort-Object)
    }
}

AfterAll {
    Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
    Stop-PveEmulator $emulator
}

Describe 'Get-PvePermission: the inheritance rules' {
    It 'group entries apply where no user entry replaces them' {
        Privileges (Get-PvePermission -UserId dave@pve -Path /vms/200) '/vms/200' | Should -Be $auditor
    }

    It 'a user entry replaces the group entries on its path' {
        Privileges (Get-PvePermission -UserId dave@pve -Path /vms/100) '/vms/100' | Should -Be $vmUser
    }

    It 'a deeper path replaces what is inherited' {
        $rows = Get-PvePermission -UserId bob@pve -Path /vms/100, /vms/102
        Privileges $rows '/vms/100' | Should -Be $auditor
        Privileges $rows '/vms/102' | Should -Contain 'VM.Allocate'
    }

    It 'NoAccess cancels everything' {
        Get-PvePermission -UserId bob@pve -Path /vms/101 | Should -BeNullOrEmpty
    }

    It 'propagate=0 holds on its own path only' {
        $parent = Get-PvePermission -UserId bob@pve -Path /nodes
        Privileges $parent '/nodes' | Should -Be @('Sys.Audit', 'Sys.Console', 'Sys.Syslog')
        $parent.Propagate | Should -Not -Contain $true
        Get-PvePermission -UserId bob@pve -Path /nodes/pve1 | Should -BeNullOrEmpty
    }

    It 'a privilege-separated token has the intersection with its user' {
        Privileges (Get-PvePermission -TokenId 'carol@pve!sep' -Path /vms) '/vms' | Should -Be $vmUser
    }

    It "a token without privilege separation has its user's rights and its own entries are ignored" {
        Privileges (Get-PvePermission -TokenId 'carol@pve!full' -Path /vms) '/vms' | Should -Be $vmUser
        Get-PvePermission -TokenId 'carol@pve!full' -Path /pool | Should -BeNullOrEmpty
    }

    It 'a privilege-separated token of root@pam has exactly its own entries' {
        Privileges (Get-PvePermission -TokenId 'root@pam!sep' -Path /vms) '/vms' | Should -Be $auditor
        Get-PvePermission -TokenId 'root@pam!sep' -Path /storage | Should -BeNullOrEmpty
    }
}

Describe 'Get-PvePermission -CompareWithOwner' {
    It 'shows what the token lacks as OwnerOnly rows' {
        $rows = Get-PvePermission -TokenId 'carol@pve!sep' -Path /storage/local -CompareWithOwner
        $rows | Should -HaveCount 2
        $rows[0] | Should -BeOfType ([PveTokens.Models.PvePermissionComparison])
        $rows.State | Should -Be @('OwnerOnly', 'OwnerOnly')
        $rows.Privilege | Should -Be @('Datastore.AllocateSpace', 'Datastore.Audit')
        ($rows | Out-String) | Should -Match 'Token compared with its owner: carol@pve!sep \(owner carol@pve\)'
    }

    It 'takes token objects from Get-PveApiToken' {
        $rows = Get-PveApiToken -UserId carol@pve -TokenId sep | Get-PvePermission -Path /vms -CompareWithOwner -Privilege VM.Audit
        $rows.State | Should -Be 'Both'
    }
}

Describe 'Get-PvePermission errors' {
    It 'refuses <Case> before any request with <Id>' -TestCases @(
        @{ Case = 'a user id without realm'; Script = { Get-PvePermission -UserId bob }; Id = 'InvalidUserId,PveTokens.Commands.GetPvePermissionCommand' }
        @{ Case = 'a bare token name'; Script = { Get-PvePermission -TokenId sep }; Id = 'InvalidTokenId,PveTokens.Commands.GetPvePermissionCommand' }
        @{ Case = 'the plural realm path'; Script = { Get-PvePermission -Path /access/realms/pve }; Id = 'InvalidAclPath,PveTokens.Commands.GetPvePermissionCommand' }
    ) {
        $ErrorActionPreference = 'Continue'
        $err = try { @(& $Script 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) } catch { @($_) }
        $err[0].FullyQualifiedErrorId | Should -Be $Id
    }
}
