BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    $secrets = @{
        good    = '0b7d2c4e-6f8a-4b1c-9d3e-5a7f9c1e3b5d'
        expired = '2c4e6a8b-0d1f-4a3c-8e5b-7d9f1b3d5f7a'
        bob     = '3d5f7b9c-1e2a-4b4d-9f6c-8e0a2c4e6b8d'
        other   = '11111111-2222-4333-8444-555555555555'
    }
    $seedFile = New-PveSeedFile @{
        users  = @(
            @{ userid = 'ci@pve'; password = 'Ci-Pass-1' },
            @{ userid = 'bob@pve'; password = 'Bob-Pass-1'; enable = 0 }
        )
        tokens = @(
            @{ userid = 'ci@pve'; tokenid = 'good'; privsep = 1; secret = $secrets.good },
            @{ userid = 'ci@pve'; tokenid = 'expired'; privsep = 1; expire = 1700000000; secret = $secrets.expired },
            @{ userid = 'bob@pve'; tokenid = 'tok'; privsep = 1; secret = $secrets.bob }
        )
        acl    = @(
            @{ path = '/vms'; roleid = 'PVEVMAdmin'; type = 'user'; ugid = 'ci@pve' },
            @{ path = '/pool/x'; roleid = 'PVEAdmin'; type = 'user'; ugid = 'ci@pve' },
            @{ path = '/vms/100'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'ci@pve!good' },
            @{ path = '/pool/x'; roleid = 'PVEAuditor'; type = 'token'; ugid = 'ci@pve!good' }
        )
    }
}

AfterAll {
    Remove-Item $seedFile -ErrorAction SilentlyContinue
}

Describe 'Test-PveApiToken (PVE <_>)' -ForEach '9.2.0', '8.4.1' {
    BeforeAll {
        $version = $_
        $emulator = Start-PveEmulator -PveVersion $version -SeedFile $seedFile
        $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $emulator.RootPassword -AsPlainText -Force))
        $root = Connect-PveServer -Server $emulator.Url -Credential $credential -CertificateThumbprint $emulator.Thumbprint -PassThru
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $emulator
    }

    It 'answers <Reason> for <Token>' -TestCases @(
        @{ Token = 'ci@pve!good'; Secret = 'good'; Reason = 'Authenticated' }
        @{ Token = 'ci@pve!good'; Secret = 'other'; Reason = 'WrongSecret' }
        @{ Token = 'ci@pve!nope'; Secret = 'good'; Reason = 'UnknownToken' }
        @{ Token = 'ci@pve!expired'; Secret = 'expired'; Reason = 'TokenExpired' }
        @{ Token = 'bob@pve!tok'; Secret = 'bob'; Reason = 'UserDisabled' }
        @{ Token = 'nobody@pve!tok'; Secret = 'good'; Reason = 'UnknownUser' }
    ) {
        $result = Test-PveApiToken -ApiToken "$Token=$($secrets[$Secret])"
        $result.Reason | Should -Be $Reason
        $result.Authenticated | Should -Be ($Reason -eq 'Authenticated')
        $result.ServerVersion | Should -Be $version
        $expectedSource = if ($Reason -eq 'Authenticated') { 'None' } elseif ($version -eq '8.4.1') { 'Server' } else { 'SessionMetadata' }
        $result.ReasonSource | Should -Be $expectedSource
    }

    It 'says honestly that a 9.1.5+ server does not tell why, without a session' {
        $result = Test-PveApiToken -ApiToken "ci@pve!good=$($secrets.other)" -Server $emulator.Url -CertificateThumbprint $emulator.Thumbprint -Session $root -ErrorAction Stop
        $result.Reason | Should -Be 'WrongSecret'
        Disconnect-PveServer -Session $root
        try {
            $bare = Test-PveApiToken -ApiToken "ci@pve!good=$($secrets.other)" -Server $emulator.Url -CertificateThumbprint $emulator.Thumbprint
            if ($version -eq '9.2.0') {
                $bare.Reason | Should -Be 'Unknown'
                $bare.Message | Should -Match 'unknown \(server does not say\)'
            }
            else {
                $bare.Reason | Should -Be 'WrongSecret'
            }
        }
        finally {
            $script:root = Connect-PveServer -Server $emulator.Url -Credential $credential -CertificateThumbprint $emulator.Thumbprint -PassThru
        }
    }

    It 'passes a preflight on a VM path and on a pool path, and fails one for a missing privilege' {
        $token = "ci@pve!good=$($secrets.good)"
        Test-PveApiToken -ApiToken $token -Path /vms/100 -Privilege VM.PowerMgmt -Quiet | Should -BeTrue
        Test-PveApiToken -ApiToken $token -Path /pool/x -Privilege Pool.Audit -Quiet | Should -BeTrue
        $result = Test-PveApiToken -ApiToken $token -Path /vms/100 -Privilege VM.PowerMgmt, VM.Snapshot
        $result.Passed | Should -BeFalse
        $result.MissingPrivileges | Should -Be 'VM.Snapshot'
    }

    It 'leaves no session behind and shows no secret' {
        $before = @(Get-PveSession).Count
        $text = Test-PveApiToken -ApiToken "ci@pve!good=$($secrets.good)" -Verbose 4>&1 | Out-String
        @(Get-PveSession).Count | Should -Be $before
        $text | Should -Not -Match $secrets.good
    }

    It 'takes a PSCredential and a new token from the pipeline' {
        $credential = [pscredential]::new('ci@pve!good', (ConvertTo-SecureString $secrets.good -AsPlainText -Force))
        Test-PveApiToken -ApiToken $credential -Quiet | Should -BeTrue
        New-PveApiToken -UserId ci@pve -TokenId "fresh$($version -replace '\.')" | Test-PveApiToken -Quiet | Should -BeTrue
    }
}
