# The access-policy cmdlets (Export-PveAccessPolicy, Get-PveAccessPlan, Invoke-PveAccessPolicy,
# Test-PveAccessPolicy) end to end, as an admin uses them: the staged module against emulator
# processes, every step checked against what the server then holds (read back with Get-PveUser,
# Get-PveApiToken, Get-PveAcl, Get-PveRole and Invoke-PveRestMethod), not only against the cmdlets'
# own output. The in-process planner and applier are covered by tests/PveTokens.Tests/Policy.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    # Invoke-Traced: output, errors, warnings and the HTTP calls of a command (from its verbose lines).
    . (Join-Path $PSScriptRoot 'ApiToken.common.ps1')

    function Write-SeedFile([hashtable] $Seed, [string] $Name) {
        $path = Join-Path $TestDrive $Name
        $Seed | ConvertTo-Json -Depth 6 | Set-Content -Path $path -Encoding utf8
        $path
    }

    function Connect-Root($Emulator, [string] $HostName, [switch] $NoDefault) {
        # The emulator's certificate is for 127.0.0.1 and localhost: a second emulator reached as
        # localhost is a second server with a name of its own.
        $url = if ($HostName) { $Emulator.Url -replace '//127\.0\.0\.1:', "//${HostName}:" } else { $Emulator.Url }
        $credential = [pscredential]::new('root@pam', (ConvertTo-SecureString $Emulator.RootPassword -AsPlainText -Force))
        Connect-PveServer -Server $url -Credential $credential -CertificateThumbprint $Emulator.Thumbprint -PassThru -NoDefault:$NoDefault
    }

    function Get-AccessState {
        # What the server holds, one sorted line per object, read with the module's own readers.
        @(
            Get-PveUser | ForEach-Object {
                'user {0} enabled={1} expires={2} groups={3} comment={4}' -f $_.UserId, $_.Enabled, $_.ExpiresAt, (@($_.Groups | Sort-Object) -join ','), $_.Comment
            }
            Get-PveApiToken | ForEach-Object {
                'token {0} privsep={1} expires={2} comment={3}' -f $_.FullTokenId, $_.PrivilegeSeparation, $_.ExpiresAt, $_.Comment
            }
            # There is no group cmdlet: groups come from the REST passthrough.
            Invoke-PveRestMethod -Path /access/groups | ForEach-Object { 'group {0} comment={1}' -f $_.groupid, $_.comment }
            Get-PveRole | Where-Object { -not $_.IsBuiltIn } | ForEach-Object { 'role {0} {1}' -f $_.Name, (@($_.Privileges | Sort-Object) -join ',') }
            Get-PveAcl | ForEach-Object { AclLine $_ }
        ) | Sort-Object
    }

    function AclLine($Entry) { 'acl {0} {1} {2} {3} propagate={4}' -f $Entry.Path, $Entry.Type, $Entry.Principal, $Entry.Role, $Entry.Propagate }

    function Get-Row($Records) { @($Records | Where-Object { $_ -is [PveTokens.Models.PveAccessPlanChange] }) }

    function Get-TokenSecret($Records) { @($Records | Where-Object { $_ -is [PveTokens.Models.PveApiTokenSecret] }) }

    function RowText($Rows) { @($Rows | ForEach-Object { "$($_.Action) $($_.ObjectType) $($_.Id)" }) }

    function WriteCall($Traced) { @($Traced.Calls | Where-Object { $_ -match '^(POST|PUT|DELETE) ' }) }

    function Edit-PolicyText([string] $Text, [string] $Old, [string] $New) {
        # An edit that silently matched nothing would make the plan checks below meaningless.
        $count = ([regex]::Matches($Text, [regex]::Escape($Old))).Count
        if ($count -ne 1) { throw "The exported policy holds '$Old' $count times, not once:`n$Text" }
        $Text.Replace($Old, $New)
    }

    function Test-TokenSecret($Secret) {
        # Whether the server takes the token secret (Test-PveApiToken uses the default session's pin).
        Test-PveApiToken -ApiToken $Secret -Quiet
    }

    # PVE stores expiries as epoch seconds; 2031-01-01T00:00:00Z.
    $script:In2031 = 1924992000
}

AfterAll {
    Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
}

Describe 'Adopting a server: export, edit, plan, apply' {
    BeforeAll {
        $script:CiSecret = [guid]::NewGuid().ToString()
        $seed = @{
            groups = @(@{ groupid = 'svc-ops'; comment = 'operators' }, @{ groupid = 'admins' })
            roles  = @(@{ roleid = 'SvcBackup'; privs = @('VM.Audit', 'VM.Backup') })
            users  = @(
                @{ userid = 'svc-backup@pve'; comment = 'backup jobs'; groups = @('svc-ops') }
                @{ userid = 'alice@pve'; password = 'Alice-Pass-1'; groups = @('admins') }
            )
            tokens = @(
                @{ userid = 'svc-backup@pve'; tokenid = 'ci'; secret = $script:CiSecret; privsep = 1; comment = 'ci runner'; expire = $script:In2031 }
                @{ userid = 'alice@pve'; tokenid = 'laptop'; privsep = 1 }
            )
            acl    = @(
                @{ path = '/vms'; roleid = 'SvcBackup'; type = 'group'; ugid = 'svc-ops'; propagate = 1 }
                @{ path = '/storage/local'; roleid = 'PVEDatastoreUser'; type = 'token'; ugid = 'svc-backup@pve!ci'; propagate = 0 }
                @{ path = '/'; roleid = 'PVEAuditor'; type = 'group'; ugid = 'admins'; propagate = 1 }
            )
        }
        $script:Emulator = Start-PveEmulator -SeedFile (Write-SeedFile $seed 'adopt-seed.json')
        $null = Connect-Root $script:Emulator
        $script:PolicyFile = Join-Path $TestDrive 'access.psd1'
        # The rows the edits below must produce (compared as sets; the stage order is checked on its own).
        $script:EditedRows = @(
            'Create Role SvcDeploy'
            'Create User svc-deploy@pve'
            'Update Token svc-backup@pve!ci'
            'Create Token svc-deploy@pve!gitlab'
            'Grant Acl /vms svc-deploy@pve!gitlab SvcDeploy'
        )
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $script:Emulator
    }

    It 'exports the server to a file that tests in order and plans to no change' {
        $file = Export-PveAccessPolicy -Path $script:PolicyFile
        $file | Should -BeOfType ([System.IO.FileInfo])
        $file.FullName | Should -Be $script:PolicyFile

        $test = @(Test-PveAccessPolicy -Path $script:PolicyFile)
        $test | Should -HaveCount 1
        $test[0] | Should -BeTrue
        Get-PveAccessPlan -Path $script:PolicyFile | Should -BeNullOrEmpty
        $summary = Get-PveAccessPlan -Path $script:PolicyFile -Summary
        $summary.InSync | Should -BeTrue
        $summary.Unmanaged | Should -Be 1 -Because 'root@pam is not a pve-realm user, so an export leaves it out'

        # What the file declares is what the server holds; the token's expiry is a fixed date.
        $policy = Import-PowerShellDataFile -Path $script:PolicyFile
        $policy.SchemaVersion | Should -Be 1
        $policy.Users | ForEach-Object { $_.Id } | Sort-Object | Should -Be @('alice@pve', 'svc-backup@pve')
        $ci = $policy.Tokens | Where-Object { $_.Id -eq 'ci' }
        $ci.Comment | Should -Be 'ci runner'
        $ci.ExpiresAt | Should -Be '2031-01-01T00:00:00Z'
        ($policy.Acl | Where-Object { $_.Path -eq '/storage/local' }).Propagate | Should -BeFalse
        (Get-Content -LiteralPath $script:PolicyFile -Raw).Contains($script:CiSecret) | Should -BeFalse -Because 'secrets are never exported'

        # The same structure as JSON is the same policy (about_PveTokens_AccessPolicy).
        $json = Join-Path $TestDrive 'access.json'
        $policy | ConvertTo-Json -Depth 6 | Set-Content -LiteralPath $json
        Test-PveAccessPolicy -Path $json | Should -BeTrue
    }

    It 'plans exactly the changes made to the exported file' {
        $text = Get-Content -LiteralPath $script:PolicyFile -Raw
        $text = Edit-PolicyText $text "    Roles = @(`n" "    Roles = @(`n        @{ Id = 'SvcDeploy'; Privileges = @('VM.Audit', 'VM.PowerMgmt') }`n"
        $text = Edit-PolicyText $text "    Users = @(`n" "    Users = @(`n        @{ Id = 'svc-deploy@pve'; Comment = 'deployments' }`n"
        $text = Edit-PolicyText $text "    Tokens = @(`n" "    Tokens = @(`n        @{ User = 'svc-deploy@pve'; Id = 'gitlab'; Comment = 'pipeline' }`n"
        $text = Edit-PolicyText $text "Comment = 'ci runner'" "Comment = 'ci runner (gitlab)'"
        $text = Edit-PolicyText $text "    Acl = @(`n" "    Acl = @(`n        @{ Path = '/vms'; Roles = @('SvcDeploy'); Principals = @('svc-deploy@pve!gitlab') }`n"
        Set-Content -LiteralPath $script:PolicyFile -Value $text -NoNewline

        $rows = @(Get-PveAccessPlan -Path $script:PolicyFile)
        RowText $rows | Sort-Object | Should -Be ($script:EditedRows | Sort-Object)
        # Apply order as documented: roles, groups, users, tokens, then grants.
        $order = @{ Role = 1; Group = 2; User = 3; Token = 4; Acl = 5 }
        $ranks = @($rows | ForEach-Object { $order["$($_.ObjectType)"] })
        $ranks | Should -Be ($ranks | Sort-Object) -Because 'rows come in the order the apply runs them'
        $rows | ForEach-Object { $_.Status | Should -Be 'Planned'; $_.Server | Should -Be ([uri]$script:Emulator.Url).Authority }

        $update = $rows | Where-Object Action -eq 'Update'
        $update.Reason | Should -Be 'comment differs'
        $update.Before | Should -Be "'ci runner', expires 2031-01-01, separated"
        $update.After | Should -Be "'ci runner (gitlab)', expires 2031-01-01, separated"
        ($rows | Where-Object ObjectType -eq 'Role').After | Should -Be 'VM.Audit,VM.PowerMgmt'
        ($rows | Where-Object Action -eq 'Create').Reason | Sort-Object -Unique | Should -Be 'missing'

        # Test-PveAccessPolicy agrees: drifted, and -Detailed lists the same rows.
        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeFalse
        RowText (Test-PveAccessPolicy -Path $script:PolicyFile -Detailed) | Should -Be (RowText $rows)
    }

    It 'shows every change with -WhatIf and sends no write' {
        $before = Get-AccessState
        $transcript = Join-Path $TestDrive 'whatif.txt'
        Start-Transcript -Path $transcript -Force | Out-Null
        try {
            $r = Invoke-Traced { Invoke-PveAccessPolicy -Path $script:PolicyFile -WhatIf }
        }
        finally {
            Stop-Transcript | Out-Null
        }

        $r.Errors | Should -BeNullOrEmpty
        WriteCall $r | Should -BeNullOrEmpty
        $r.Calls | Should -HaveCount 4 -Because 'a plan is four reads whatever the size'
        Get-TokenSecret $r.Output | Should -BeNullOrEmpty
        Get-AccessState | Should -Be $before

        # The What-if lines (written to the host, so read from the transcript) name every change.
        $whatIf = @(Get-Content -LiteralPath $transcript | Where-Object { $_ -like 'What if:*' })
        $whatIf | Should -HaveCount $script:EditedRows.Count
        foreach ($id in 'SvcDeploy', 'svc-deploy@pve', 'svc-backup@pve!ci', 'svc-deploy@pve!gitlab', '/vms svc-deploy@pve!gitlab SvcDeploy') {
            @($whatIf | Where-Object { $_.Contains("on target `"$id on $(([uri]$script:Emulator.Url).Authority)`"") }) | Should -HaveCount 1 -Because "the change of $id is shown once"
        }
    }

    It 'applies the changes and outputs the new token''s secret once, shown nowhere else' {
        $transcript = Join-Path $TestDrive 'apply.txt'
        Start-Transcript -Path $transcript -Force | Out-Null
        try {
            # As an admin sees it at the console: every stream, the rows as a table and every property.
            $records = @(Invoke-PveAccessPolicy -Path $script:PolicyFile -Confirm:$false -Verbose -InformationAction Continue *>&1)
            $records | Out-String -Width 500 | Out-Host
            $records | Format-List * -Force | Out-String -Width 500 | Out-Host
        }
        finally {
            Stop-Transcript | Out-Null
        }

        @($records | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) | Should -BeNullOrEmpty
        $rows = Get-Row $records
        RowText $rows | Sort-Object | Should -Be ($script:EditedRows | Sort-Object)
        $rows | ForEach-Object { $_.Status | Should -Be 'Done' -Because "$_ was applied" }

        # One secret, for the one token created; the comment update gives none.
        $secrets = Get-TokenSecret $records
        $secrets | Should -HaveCount 1
        $secrets[0].FullTokenId | Should -Be 'svc-deploy@pve!gitlab'
        $secrets[0].Comment | Should -Be 'pipeline'
        $secret = $secrets[0].GetPlainTextSecret()
        $secret | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        Test-TokenSecret $secrets[0] | Should -BeTrue -Because 'the secret searched for below is the real one'

        $transcriptText = Get-Content -LiteralPath $transcript -Raw
        $transcriptText | Should -Match 'POST /access/users/svc-deploy@pve/token/gitlab' -Because 'the transcript caught the verbose stream'
        $transcriptText | Should -Match 'System\.Security\.SecureString' -Because 'the transcript caught the secret object'
        # Without white space too: a line wrapped by the host must not hide the secret from the search.
        ($transcriptText -replace '\s', '').Contains($secret) | Should -BeFalse -Because 'the secret must not reach the transcript'
        foreach ($record in $records) {
            $text = "$record`n" + ($record | Format-List * -Force | Out-String -Width 500) + ($record | Format-Table * | Out-String -Width 500)
            $text.Contains($secret) | Should -BeFalse -Because "no stream may show the secret ($($record.GetType().Name) '$record')"
        }

        # The server now holds the edits.
        (Get-PveRole -Name SvcDeploy).Privileges | Sort-Object | Should -Be @('VM.Audit', 'VM.PowerMgmt')
        (Get-PveUser -UserId svc-deploy@pve).Comment | Should -Be 'deployments'
        $tokens = Get-PveApiToken -UserId svc-backup@pve, svc-deploy@pve
        ($tokens | Where-Object TokenId -eq 'ci').Comment | Should -Be 'ci runner (gitlab)'
        ($tokens | Where-Object TokenId -eq 'gitlab').Comment | Should -Be 'pipeline'
        AclLine (Get-PveAcl -TokenId 'svc-deploy@pve!gitlab') | Should -Be 'acl /vms Token svc-deploy@pve!gitlab SvcDeploy propagate=True'
        Test-TokenSecret "svc-backup@pve!ci=$($script:CiSecret)" | Should -BeTrue -Because 'a comment update keeps the secret'
    }

    It 'has nothing left to do afterwards: an empty plan, in order, and a second apply sends no write' {
        Get-PveAccessPlan -Path $script:PolicyFile | Should -BeNullOrEmpty
        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeTrue

        $before = Get-AccessState
        $again = Invoke-Traced { Invoke-PveAccessPolicy -Path $script:PolicyFile -Confirm:$false }
        $again.Errors | Should -BeNullOrEmpty
        $again.Output | Should -BeNullOrEmpty -Because 'no row and no secret: the secret came out once'
        WriteCall $again | Should -BeNullOrEmpty
        Get-AccessState | Should -Be $before
    }
}

Describe 'Drift: changes made by hand' {
    BeforeAll {
        $seed = @{
            groups = @(@{ groupid = 'svc-ops'; comment = 'operators' }, @{ groupid = 'admins' })
            roles  = @(@{ roleid = 'SvcBackup'; privs = @('VM.Audit', 'VM.Backup') }, @{ roleid = 'HumanRole'; privs = @('VM.Audit') })
            users  = @(
                @{ userid = 'svc-backup@pve'; comment = 'backup jobs'; groups = @('svc-ops') }
                @{ userid = 'alice@pve'; password = 'Alice-Pass-1'; comment = 'a human'; groups = @('admins') }
            )
            tokens = @(
                @{ userid = 'svc-backup@pve'; tokenid = 'ci'; privsep = 1; comment = 'ci runner' }
                @{ userid = 'svc-backup@pve'; tokenid = 'nightly'; privsep = 1; comment = 'vzdump' }
                @{ userid = 'alice@pve'; tokenid = 'laptop'; privsep = 1 }
            )
            acl    = @(
                @{ path = '/vms'; roleid = 'SvcBackup'; type = 'group'; ugid = 'svc-ops'; propagate = 1 }
                @{ path = '/storage'; roleid = 'PVEDatastoreUser'; type = 'token'; ugid = 'svc-backup@pve!nightly'; propagate = 0 }
                @{ path = '/vms/100'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'svc-backup@pve!nightly'; propagate = 1 }
                @{ path = '/vms'; roleid = 'PVEAdmin'; type = 'user'; ugid = 'alice@pve'; propagate = 1 }
                @{ path = '/'; roleid = 'PVEAuditor'; type = 'group'; ugid = 'admins'; propagate = 1 }
                @{ path = '/vms'; roleid = 'HumanRole'; type = 'token'; ugid = 'alice@pve!laptop'; propagate = 1 }
            )
        }
        $script:Emulator = Start-PveEmulator -SeedFile (Write-SeedFile $seed 'drift-seed.json')
        $null = Connect-Root $script:Emulator
        $script:PolicyFile = Join-Path $TestDrive 'drift.psd1'
        # The adoption workflow: export only what the policy should own (about_PveTokens_AccessPolicy).
        $null = Export-PveAccessPolicy -Scope @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; Groups = 'svc-*'; Roles = 'Svc*'; AclPaths = '*' } -Path $script:PolicyFile
        # Everything outside that scope (alice, her token and entries, admins, HumanRole, root@pam).
        $script:Unmanaged = @((Get-AccessState) | Where-Object { $_ -notmatch 'svc-|Svc' })
        $script:NightlyAcl = @('acl /storage Token svc-backup@pve!nightly PVEDatastoreUser propagate=False', 'acl /vms/100 Token svc-backup@pve!nightly PVEVMUser propagate=True')
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $script:Emulator
    }

    It 'finds no drift on the server the policy was exported from' {
        $script:Unmanaged | Should -Contain 'token alice@pve!laptop privsep=True expires= comment='
        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeTrue
        Test-PveAccessPolicy -Path $script:PolicyFile -Detailed | Should -BeNullOrEmpty
        (Get-PveAccessPlan -Path $script:PolicyFile -Summary).Unmanaged | Should -Be 8 -Because 'root@pam, alice@pve, her token, admins, HumanRole and three ACL entries are outside the scope'
    }

    It 'reports an entry granted, a propagate flag changed, a token deleted, a comment changed and a token created by hand' {
        Set-PveAcl -Path /vms/200 -Role PVEAuditor -TokenId 'svc-backup@pve!ci'
        Set-PveAcl -Path /vms -Role SvcBackup -GroupId svc-ops -Propagate $false
        Remove-PveApiToken 'svc-backup@pve!nightly' -Confirm:$false
        Update-PveApiToken -UserId svc-backup@pve -TokenId ci -Comment 'changed by hand' -Confirm:$false
        $null = New-PveApiToken -UserId svc-backup@pve -TokenId adhoc -Confirm:$false
        # Outside the scope: the policy does not own alice's token, so this is no drift.
        Set-PveAcl -Path /vms/200 -Role PVEAuditor -TokenId 'alice@pve!laptop'
        Get-PveAcl -TokenId 'svc-backup@pve!nightly' | Should -BeNullOrEmpty -Because 'PVE drops a token''s entries with the token'

        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeFalse
        $rows = @(Test-PveAccessPolicy -Path $script:PolicyFile -Detailed)
        $rows | ForEach-Object { $_ | Should -BeOfType ([PveTokens.Models.PveAccessPlanChange]); $_.Status | Should -Be 'Planned' }
        $rows | ForEach-Object { "$($_.Action) $($_.ObjectType) $($_.Id): $($_.Reason)" } | Sort-Object | Should -Be (@(
            'Create Token svc-backup@pve!nightly: missing'
            'Grant Acl /vms @svc-ops SvcBackup: propagate differs'
            'Grant Acl /storage svc-backup@pve!nightly PVEDatastoreUser: missing'
            'Grant Acl /vms/100 svc-backup@pve!nightly PVEVMUser: missing'
            'Remove Token svc-backup@pve!adhoc: not declared'
            'Revoke Acl /vms/200 svc-backup@pve!ci PVEAuditor: not declared'
            'Update Token svc-backup@pve!ci: comment differs'
        ) | Sort-Object)
    }

    It 'restores what the policy declares without -Prune, and only reports what it would remove' {
        $r = Invoke-Traced { Invoke-PveAccessPolicy -Path $script:PolicyFile -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $rows = Get-Row $r.Output
        $rows | ForEach-Object { "$($_.Action) $($_.ObjectType) $($_.Id): $($_.Status)" } | Sort-Object | Should -Be (@(
            'Create Token svc-backup@pve!nightly: Done'
            'Grant Acl /vms @svc-ops SvcBackup: Done'
            'Grant Acl /storage svc-backup@pve!nightly PVEDatastoreUser: Done'
            'Grant Acl /vms/100 svc-backup@pve!nightly PVEVMUser: Done'
            'Remove Token svc-backup@pve!adhoc: Skipped'
            'Revoke Acl /vms/200 svc-backup@pve!ci PVEAuditor: Skipped'
            'Update Token svc-backup@pve!ci: Done'
        ) | Sort-Object)
        ($rows | Where-Object Status -eq 'Skipped').Message | Sort-Object -Unique | Should -Be 'a removal: applied only with -Prune'
        $r.Warnings | Should -Be @("2 removal(s) on $(([uri]$script:Emulator.Url).Authority) were not applied: owned objects the policy does not declare are removed only with -Prune.")
        (Get-TokenSecret $r.Output).FullTokenId | Should -Be 'svc-backup@pve!nightly' -Because 'the re-created token has a new secret, output once'

        # Back on the server: the token with its settings and both entries (propagate flags included), the comment.
        $nightly = Get-PveApiToken -UserId svc-backup@pve -TokenId nightly
        $nightly.Comment | Should -Be 'vzdump'
        $nightly.PrivilegeSeparation | Should -BeTrue
        @(Get-PveAcl -TokenId 'svc-backup@pve!nightly' | ForEach-Object { AclLine $_ } | Sort-Object) | Should -Be ($script:NightlyAcl | Sort-Object)
        (Get-PveApiToken -UserId svc-backup@pve -TokenId ci).Comment | Should -Be 'ci runner'
        (Get-PveAcl -Path /vms -GroupId svc-ops).Propagate | Should -BeTrue
        # Not removed without -Prune.
        Get-PveApiToken -UserId svc-backup@pve -TokenId adhoc | Should -Not -BeNullOrEmpty
        Get-PveAcl -Path /vms/200 -TokenId 'svc-backup@pve!ci' | Should -Not -BeNullOrEmpty

        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeFalse -Because 'the removals are still to do'
        RowText (Test-PveAccessPolicy -Path $script:PolicyFile -Detailed) | Sort-Object | Should -Be (@(
            'Remove Token svc-backup@pve!adhoc'
            'Revoke Acl /vms/200 svc-backup@pve!ci PVEAuditor'
        ) | Sort-Object)
    }

    It 'revokes and removes the undeclared objects it owns with -Prune' {
        $r = Invoke-Traced { Invoke-PveAccessPolicy -Path $script:PolicyFile -Prune -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $r.Warnings | Should -BeNullOrEmpty
        (Get-Row $r.Output) | ForEach-Object { "$($_.Action) $($_.ObjectType) $($_.Id): $($_.Status)" } | Sort-Object | Should -Be (@(
            'Remove Token svc-backup@pve!adhoc: Done'
            'Revoke Acl /vms/200 svc-backup@pve!ci PVEAuditor: Done'
        ) | Sort-Object)
        $r.Calls | Should -Contain 'DELETE /access/users/svc-backup@pve/token/adhoc'

        Get-PveApiToken -UserId svc-backup@pve | ForEach-Object TokenId | Sort-Object | Should -Be @('ci', 'nightly')
        Get-PveAcl -Path /vms/200 -TokenId 'svc-backup@pve!ci' | Should -BeNullOrEmpty
        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeTrue
    }

    It 'leaves everything outside the policy''s scope as it was, -Prune included' {
        # The out-of-scope grant made by hand is still there, and nothing else outside the scope changed.
        $expected = @($script:Unmanaged) + 'acl /vms/200 Token alice@pve!laptop PVEAuditor propagate=True' | Sort-Object
        @((Get-AccessState) | Where-Object { $_ -notmatch 'svc-|Svc' }) | Should -Be $expected
    }
}

Describe 'Rotating a token that is due, on PVE <Version>' -ForEach @(
    @{ Version = '9.2.0'; InPlace = $true }
    @{ Version = '8.4.1'; InPlace = $false }
) {
    BeforeAll {
        $script:OldSecret = [guid]::NewGuid().ToString()
        $seed = @{
            users  = @(@{ userid = 'svc-deploy@pve'; comment = 'deployments' })
            tokens = @(@{ userid = 'svc-deploy@pve'; tokenid = 'gitlab'; secret = $script:OldSecret; privsep = 1; comment = 'pipeline'
                    expire = [DateTimeOffset]::UtcNow.AddDays(9).ToUnixTimeSeconds() })
            acl    = @(
                @{ path = '/vms'; roleid = 'PVEVMUser'; type = 'token'; ugid = 'svc-deploy@pve!gitlab'; propagate = 1 }
                @{ path = '/storage/local'; roleid = 'PVEDatastoreUser'; type = 'token'; ugid = 'svc-deploy@pve!gitlab'; propagate = 0 }
            )
        }
        $script:Emulator = Start-PveEmulator -PveVersion $Version -SeedFile (Write-SeedFile $seed "rotate-$Version.json")
        $null = Connect-Root $script:Emulator
        $script:PolicyFile = Join-Path $TestDrive "rotate-$Version.psd1"
        Set-Content -LiteralPath $script:PolicyFile -Value @'
@{
    SchemaVersion = 1
    Scope  = @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; AclPaths = '*' }
    Users  = @( @{ Id = 'svc-deploy@pve'; Comment = 'deployments' } )
    Tokens = @( @{ User = 'svc-deploy@pve'; Id = 'gitlab'; Comment = 'pipeline'; Lifetime = '90d'; RenewBefore = '14d' } )
    Acl    = @(
        @{ Path = '/vms'; Roles = 'PVEVMUser'; Principals = 'svc-deploy@pve!gitlab' }
        @{ Path = '/storage/local'; Roles = 'PVEDatastoreUser'; Principals = 'svc-deploy@pve!gitlab'; Propagate = $false }
    )
}
'@
        $script:TokenAcl = @(Get-PveAcl -TokenId 'svc-deploy@pve!gitlab' | ForEach-Object { AclLine $_ } | Sort-Object)
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $script:Emulator
    }

    It 'plans one Rotate row saying why' {
        $script:TokenAcl | Should -HaveCount 2
        $rows = @(Get-PveAccessPlan -Path $script:PolicyFile)
        RowText $rows | Should -Be 'Rotate Token svc-deploy@pve!gitlab'
        # Seeded to expire in 9 days; a few seconds later the whole days left are 8.
        $rows[0].Reason | Should -Match '^expires in [89] days, RenewBefore is 14 days$'
    }

    It 'gives the token a new secret and expiry and keeps its ACL entries' {
        $r = Invoke-Traced { Invoke-PveAccessPolicy -Path $script:PolicyFile -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $row = Get-Row $r.Output
        RowText $row | Should -Be 'Rotate Token svc-deploy@pve!gitlab'
        $row.Status | Should -Be 'Done'
        $secret = Get-TokenSecret $r.Output
        $secret | Should -HaveCount 1
        $secret.FullTokenId | Should -Be 'svc-deploy@pve!gitlab'
        $secret.GetPlainTextSecret() | Should -Not -Be $script:OldSecret
        if ($InPlace) {
            # regenerate: one PUT, the token is never deleted.
            WriteCall $r | Should -Be @('PUT /access/users/svc-deploy@pve/token/gitlab (expire, regenerate)')
            $row.Message | Should -BeNullOrEmpty
        }
        else {
            # 8.4 refuses regenerate: the token is deleted, created again and its entries granted again.
            WriteCall $r | Should -Contain 'DELETE /access/users/svc-deploy@pve/token/gitlab'
            WriteCall $r | Should -Contain 'POST /access/users/svc-deploy@pve/token/gitlab (comment, expire, privsep)'
            $row.Message | Should -Match 'cannot regenerate in place: the token was deleted and created again with the declared settings and its 2 ACL entries granted again'
        }

        # On the server: the same entries with the same propagate flags, the declared settings, a new expiry.
        @(Get-PveAcl -TokenId 'svc-deploy@pve!gitlab' | ForEach-Object { AclLine $_ } | Sort-Object) | Should -Be $script:TokenAcl
        $token = Get-PveApiToken -UserId svc-deploy@pve -TokenId gitlab
        $token.Comment | Should -Be 'pipeline'
        $token.PrivilegeSeparation | Should -BeTrue
        $token.ExpiresAt.ToUniversalTime() | Should -BeGreaterThan ([DateTime]::UtcNow.AddDays(89))
        $token.ExpiresAt.ToUniversalTime() | Should -BeLessThan ([DateTime]::UtcNow.AddDays(91))
        $secret.ExpiresAt | Should -Be $token.ExpiresAt

        Test-TokenSecret $secret | Should -BeTrue
        Test-TokenSecret "svc-deploy@pve!gitlab=$($script:OldSecret)" | Should -BeFalse -Because 'the old secret is dead'
        Test-PveAccessPolicy -Path $script:PolicyFile | Should -BeTrue -Because 'a rotated token is not due again for 76 days'
    }
}

Describe 'Several sessions' {
    BeforeAll {
        $script:PolicyFile = Join-Path $TestDrive 'fleet.psd1'
        Set-Content -LiteralPath $script:PolicyFile -Value @'
@{
    SchemaVersion = 1
    Scope  = @{ Users = 'svc-*@pve'; Tokens = 'svc-*@pve!*'; Groups = 'svc-*'; AclPaths = '/vms*' }
    Groups = @( @{ Id = 'svc-ops'; Comment = 'operators' } )
    Users  = @( @{ Id = 'svc-deploy@pve'; Groups = 'svc-ops' } )
    Tokens = @( @{ User = 'svc-deploy@pve'; Id = 'gitlab' } )
    Acl    = @( @{ Path = '/vms'; Roles = 'PVEVMUser'; Principals = 'svc-deploy@pve!gitlab' } )
}
'@
        # Server A has none of it; server B already has the group and the user.
        $seedB = @{ groups = @(@{ groupid = 'svc-ops'; comment = 'operators' }); users = @(@{ userid = 'svc-deploy@pve'; groups = @('svc-ops') }) }
        $script:EmulatorA = Start-PveEmulator
        $script:EmulatorB = Start-PveEmulator -SeedFile (Write-SeedFile $seedB 'fleet-b.json')
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        $script:A = Connect-Root $script:EmulatorA
        $script:B = Connect-Root $script:EmulatorB -HostName localhost
        $script:Expected = @{
            $script:A.Server.Authority = @('Create Group svc-ops', 'Create User svc-deploy@pve', 'Create Token svc-deploy@pve!gitlab', 'Grant Acl /vms svc-deploy@pve!gitlab PVEVMUser')
            $script:B.Server.Authority = @('Create Token svc-deploy@pve!gitlab', 'Grant Acl /vms svc-deploy@pve!gitlab PVEVMUser')
        }
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $script:EmulatorA
        Stop-PveEmulator $script:EmulatorB
    }

    It 'plans every session piped in, each row naming its server' {
        Get-PveSession | Should -HaveCount 2
        $rows = @(Get-PveSession | Get-PveAccessPlan -Path $script:PolicyFile)
        $rows | Should -HaveCount 6
        foreach ($row in $rows) {
            $row.Server | Should -Be $row.Session.Server.Authority
        }
        RowText ($rows | Where-Object Server -eq $script:A.Server.Authority) | Should -Be $script:Expected[$script:A.Server.Authority]
        RowText ($rows | Where-Object Server -eq $script:B.Server.Authority) | Should -Be $script:Expected[$script:B.Server.Authority]
        ($rows | Where-Object Server -eq $script:A.Server.Authority).Session.Server.Authority | Sort-Object -Unique | Should -Be $script:A.Server.Authority
        ($rows | Where-Object Server -eq $script:B.Server.Authority).Session.Server.Authority | Sort-Object -Unique | Should -Be $script:B.Server.Authority
        # The table view groups the rows under each server's name.
        $view = $rows | Out-String -Width 200
        $view | Should -Match ('Server: ' + [regex]::Escape($script:A.Server.Authority))
        $view | Should -Match ('Server: ' + [regex]::Escape($script:B.Server.Authority))
    }

    It 'summarises each server in one row' {
        $summaries = @(Get-PveAccessPlan -Path $script:PolicyFile -Session $script:A, $script:B -Summary)
        $summaries | ForEach-Object { '{0} create={1} grant={2} insync={3}' -f $_.Server, $_.Create, $_.Grant, $_.InSync } |
            Should -Be @("$($script:A.Server.Authority) create=3 grant=1 insync=False", "$($script:B.Server.Authority) create=1 grant=1 insync=False")
    }

    # Two clusters reached on one host (SSH tunnels, port forwards) must not share one Server name.
    It 'names two servers on the same host apart' {
        $sameHost = Connect-Root $script:EmulatorB -NoDefault
        try {
            $summaries = @(Get-PveAccessPlan -Path $script:PolicyFile -Session $script:A, $sameHost -Summary)
            $summaries | Should -HaveCount 2
            @($summaries.Server | Sort-Object -Unique) | Should -HaveCount 2 -Because 'each row must say which server it is for'
        }
        finally {
            $sameHost | Disconnect-PveServer
        }
    }

    It 'applies to every session piped in, after which each tests in order' {
        $r = Invoke-Traced { Get-PveSession | Invoke-PveAccessPolicy -Path $script:PolicyFile -Confirm:$false }
        $r.Errors | Should -BeNullOrEmpty
        $rows = Get-Row $r.Output
        $rows | ForEach-Object { $_.Status | Should -Be 'Done' }
        RowText ($rows | Where-Object Server -eq $script:A.Server.Authority) | Should -Be $script:Expected[$script:A.Server.Authority]
        RowText ($rows | Where-Object Server -eq $script:B.Server.Authority) | Should -Be $script:Expected[$script:B.Server.Authority]
        # One secret per server, each tied to the session it was created in.
        $secrets = Get-TokenSecret $r.Output
        $secrets | ForEach-Object { $_.Session.Server.Authority } | Sort-Object | Should -Be (@($script:A.Server.Authority, $script:B.Server.Authority) | Sort-Object)

        foreach ($session in $script:A, $script:B) {
            $token = Get-PveApiToken -Session $session -UserId svc-deploy@pve -TokenId gitlab
            $token | Should -Not -BeNullOrEmpty -Because "$($session.Server.Authority) got the token"
            AclLine (Get-PveAcl -Session $session -TokenId 'svc-deploy@pve!gitlab') | Should -Be 'acl /vms Token svc-deploy@pve!gitlab PVEVMUser propagate=True'
            (Get-PveUser -Session $session -UserId svc-deploy@pve).Groups | Should -Be 'svc-ops'
        }
        Test-PveAccessPolicy -Path $script:PolicyFile -Session $script:A, $script:B | Should -Be @($true, $true)
    }
}

Describe 'A policy with a mistake' {
    BeforeAll {
        $seed = @{ groups = @(@{ groupid = 'svc-ops' }); users = @(@{ userid = 'svc-a@pve'; groups = @('svc-ops') }) }
        $script:Emulator = Start-PveEmulator -SeedFile (Write-SeedFile $seed 'mistake-seed.json')
        $null = Connect-Root $script:Emulator
        $script:Before = Get-AccessState
    }

    AfterAll {
        Get-PveSession | Disconnect-PveServer -ErrorAction SilentlyContinue
        Stop-PveEmulator $script:Emulator
    }

    It 'refuses <Case> with <Id>, naming the line, and sends no write' -TestCases @(
        @{
            Case = 'a syntax error'; File = 'syntax.psd1'; Id = 'PolicyInvalid'; Reads = 0
            Text = "@{`n    SchemaVersion = 1`n    Users = @(`n        @{ Id = 'svc-b@pve'; Groups = 'svc-ops'`n    )`n}`n"
            Message = "syntax.psd1, line 4, the file: Missing closing '}' in statement block or type definition."
        }
        @{
            Case = 'an unknown key'; File = 'key.psd1'; Id = 'PolicyInvalid'; Reads = 0
            Text = "@{`n    SchemaVersion = 1`n    Users = @(`n        @{ Id = 'svc-b@pve'; Comemnt = 'typo' }`n    )`n}`n"
            Message = "key.psd1, line 4, Users[0]: Unknown key 'Comemnt'. Did you mean 'Comment'?"
        }
        @{
            # VM.Monitor is an 8.x privilege: a 9.2 server does not know it, which only the server can tell.
            Case = 'an unknown privilege'; File = 'privilege.psd1'; Id = 'PolicyInvalidForServer'; Reads = 4
            Text = "@{`n    SchemaVersion = 1`n    Scope = @{ Roles = 'Svc*'; Users = 'svc-*@pve' }`n    Roles = @(`n        @{ Id = 'SvcMon'; Privileges = 'VM.Audit', 'VM.Monitor' }`n    )`n    Users = @( @{ Id = 'svc-b@pve' } )`n}`n"
            Message = "privilege.psd1, line 5, Roles[0] (SvcMon) (on {server}): The server knows no privilege 'VM.Monitor'."
        }
        @{
            Case = 'a JSON syntax error'; File = 'syntax.json'; Id = 'PolicyInvalid'; Reads = 0
            Text = "{`n  `"SchemaVersion`": 1,`n  `"Users`": [ }`n}`n"
            Message = 'syntax.json, the file: Line 3: the file is not valid JSON'
        }
    ) {
        $path = Join-Path $TestDrive $File
        Set-Content -LiteralPath $path -Value $Text -NoNewline

        $r = Invoke-Traced { Invoke-PveAccessPolicy -Path $path -Confirm:$false }
        $r.Errors | Should -HaveCount 1
        $r.Errors[0].FullyQualifiedErrorId | Should -Be "$Id,PveTokens.Commands.InvokePveAccessPolicyCommand"
        # The message names the file, the line and the entry, then the fix.
        $r.Errors[0].ErrorDetails.Message | Should -Match ('^' + [regex]::Escape($Message.Replace('{server}', ([uri]$script:Emulator.Url).Authority)))
        $r.Errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty -Because 'each error says how to fix it'
        $r.Output | Should -BeNullOrEmpty
        # A file error is found before any request; a server error after the four reads, before any write.
        $r.Calls | Should -HaveCount $Reads
        WriteCall $r | Should -BeNullOrEmpty
        Get-AccessState | Should -Be $script:Before

        # The plan and the drift test refuse it the same way, and the test gives no $true/$false.
        $plan = Invoke-Traced { Get-PveAccessPlan -Path $path }
        $plan.Output | Should -BeNullOrEmpty
        $plan.Errors.FullyQualifiedErrorId | Should -Be "$Id,PveTokens.Commands.GetPveAccessPlanCommand"
        $test = Invoke-Traced { Test-PveAccessPolicy -Path $path }
        $test.Output | Should -BeNullOrEmpty -Because 'a script must tell "could not check" from "drifted"'
        $test.Errors.FullyQualifiedErrorId | Should -Be "$Id,PveTokens.Commands.TestPveAccessPolicyCommand"
    }
}
