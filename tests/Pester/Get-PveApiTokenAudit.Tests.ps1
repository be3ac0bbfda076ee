BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $now = [DateTimeOffset]::UtcNow.ToUnixTimeSeconds()
    $day = 86400
    $seedFile = New-PveSeedFile @{
        groups = @(@{ groupid = 'admins' })
        users  = @(
            @{ userid = 'ci@pve'; password = 'Ci-Pass-1' },
            @{ userid = 'ops@pve'; password = 'Ops-Pass-1'; groups = @('admins') },
            @{ userid = 'alice@pve'; password = 'Alice-Pass-1'; expire = $now + 10 * $day },
            @{ userid = 'bob@pve'; password = 'Bob-Pass-1'; enable = 0 }
        )
        tokens = @(
            @{ userid = 'root@pam'; tokenid = 'rootfull'; privsep = 0; expire = $now + 180 * $day },
            @{ userid = 'ci@pve'; tokenid = 'backup'; privsep = 1; expire = $now + 180 * $day },
            @{ userid = 'ci@pve'; tokenid = 'forever'; privsep = 1; expire = 0 },
            @{ userid = 'ci@pve'; tokenid = 'soon'; privsep = 1; expire = $now + 5 * $day },
            @{ userid = 'ci@pve'; tokenid = 'idle'; privsep = 1; expire = $now + 180 * $day },
            @{ userid = 'ops@pve'; tokenid = 'full'; privsep = 0; expire = $now + 180 * $day },
            @{ userid = 'alice@pve'; tokenid = 'old'; privsep = 1; expire = 1700000000 },
            @{ userid = 'bob@pve'; tokenid = 'dead'; privsep = 1; expire = $now + 180 * $day }
        )
        acl    = @(
            @{ path = '/'; roleid = 'Administrator'; type = 'group'; ugid = 'admins' },
            @{ path = '/vms'; roleid = 'PVEVMAdmin'; type = 'user'; ugid = 'ci@pve' },
            @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'ci@pve!backup' },
            @{ path = '/'; roleid = 'PVEAuditor'; type = 'token'; ugid = 'ci@pve!forever' },
            @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'ci@pve!soon' },
            @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'alice@pve!old' },
            @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'bob@pve!dead' }
        )
    }
    $expected = @(
        'Critical RootToken root@pam!rootfull'
        'High BroadRights ops@pve!full'
        'Medium ExpiringSoon ci@pve!soon'
        'Medium NeverExpires ci@pve!forever'
        'Medium PrivilegeSeparationOff ops@pve!full'
        'Medium PrivilegeSeparationOff root@pam!rootfull'
        'Low Expired alice@pve!old'
        'Low OutlivesUser bob@pve!dead'
        'Info NoAclEntry ci@pve!idle'
    )
    function Describe-Finding { process { '{0} {1} {2}' -f $_.Severity, $_.Finding, $_.FullTokenId } }
}

AfterAll {
    Remove-Item $seedFile -ErrorAction SilentlyContinue
}

Describe 'Get-PveApiTokenAudit (PVE <_>)' -ForEach '9.2.0', '8.4.1' {
    BeforeAll {
        $emulator = Start-PveEmulator -PveVersion $_ -SeedFile $seedFile
        $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $emulator.RootPassword -AsPlainText -Force))
        $null = Connect-PveServer -Server $emulator.Url -Credential $credential -CertificateThumbprint $emulator.Thumbprint
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $emulator
    }

    It 'finds every problem of the fixture, Critical first' {
        $findings = @(Get-PveApiTokenAudit)
        @($findings | Describe-Finding | Sort-Object) | Should -Be @($expected | Sort-Object)
        $findings[0].Severity | Should -Be 'Critical'
        @($findings.Severity) | Should -Be @($findings.Severity | Sort-Object -Descending)
    }

    It 'takes two requests and one permission look-up for the one token with a broad role on /' {
        $verbose = Get-PveApiTokenAudit -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        $calls = @($verbose | Where-Object Message -Match '\b(GET|POST|PUT|DELETE) ')
        $calls.Count | Should -Be 3
        $calls[0].Message | Should -Match 'GET /access/users'
        $calls[1].Message | Should -Match 'GET /access/acl'
        $calls[2].Message | Should -Match 'GET /access/permissions'
    }

    It 'sums the findings per severity with -Summary' {
        $summary = Get-PveApiTokenAudit -Summary
        @($summary.Severity) | Should -Be @('Critical', 'High', 'Medium', 'Low', 'Info')
        @($summary | ForEach-Object Count) | Should -Be @(1, 1, 4, 2, 1)
        ($summary | Where-Object Severity -EQ Medium).Findings | Should -Be 'PrivilegeSeparationOff: 2, NeverExpires: 1, ExpiringSoon: 1'
    }

    It 'groups the default table by severity' {
        $text = Get-PveApiTokenAudit | Out-String -Width 200
        $text | Should -Match 'Severity: Critical'
        $text.IndexOf('Severity: Critical') | Should -BeLessThan $text.IndexOf('Severity: Info')
    }

    It 'exports to CSV and back with the same values' {
        $path = Join-Path $TestDrive "audit-$_.csv"
        Get-PveApiTokenAudit | Export-Csv -Path $path -NoTypeInformation
        $rows = @(Import-Csv -Path $path)
        $rows.Count | Should -Be $expected.Count
        @($rows[0].PSObject.Properties.Name) | Should -Be @('Severity', 'Finding', 'FullTokenId', 'UserId', 'TokenId', 'PrivilegeSeparation', 'ExpiresAt', 'Detail', 'Remediation', 'Server')
        ($rows | Where-Object FullTokenId -EQ 'ci@pve!forever').Remediation | Should -Be "Update-PveApiToken -UserId 'ci@pve' -TokenId 'forever' -ExpiresIn (New-TimeSpan -Days 90)"
    }

    It 'exports to JSON as flat objects' {
        $json = Get-PveApiTokenAudit -UserId ci@pve -TokenId idle | ConvertTo-Json -EnumsAsStrings
        $back = $json | ConvertFrom-Json
        $back.Severity | Should -Be 'Info'
        $back.Finding | Should -Be 'NoAclEntry'
        $back.UserId | Should -Be 'ci@pve'
        $json | Should -Not -Match 'Session'
    }

    It 'pipes findings into Remove-PveApiToken' {
        Get-PveApiTokenAudit -UserId alice@pve | Where-Object Finding -EQ Expired | Remove-PveApiToken -Confirm:$false
        Get-PveApiToken -UserId alice@pve | Should -BeNullOrEmpty
    }

    It 'refuses a span that is not positive' {
        { Get-PveApiTokenAudit -ExpiringWithin ([timespan]::Zero) } | Should -Throw -ErrorId 'InvalidExpiringWithin,PveTokens.Commands.GetPveApiTokenAuditCommand'
    }
}
