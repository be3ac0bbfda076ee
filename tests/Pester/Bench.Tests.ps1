BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

# The full benchmark (build.ps1 -Task Bench) is not part of the test run; this smoke run with tiny
# sizes keeps the harness from rotting as the cmdlets change.
Describe 'The benchmark harness' {
    It 'runs every measure end to end with tiny sizes and reports consistent figures' {
        $report = Join-Path ([IO.Path]::GetTempPath()) ("perf-smoke-{0}.md" -f [guid]::NewGuid())
        try {
            $result = & (Join-Path $script:RepoRoot 'bench/Invoke-Benchmark.ps1') -ModulePath $script:ModulePath `
                -EmulatorPath $script:EmulatorPath -Smoke -OutputPath $report 6>$null | Select-Object -Last 1

            # 20 users x 3 tokens, plus the root@pam token the harness authenticates with.
            $result.InventoryCount | Should -Be 61
            $result.PerCallRatio | Should -BeGreaterThan 0
            $result.BulkRatio | Should -BeGreaterThan 0
            $result.EmulatorRequestsPerSecond | Should -BeGreaterThan 0
            # The access review reads a fixed handful, whatever the number of principals.
            $result.AccessReportRows | Should -BeGreaterThan 0
            $result.AccessReportRequests | Should -Be 3
            $result.SinglePrivilegeRequests | Should -Be 3
            $result.SinglePrivilegeRows | Should -BeGreaterThan 0
            # The access policy: a plan is four reads; the change set applies, after which nothing is left.
            $result.AccessPolicy.PlanRequests | Should -Be 4
            $result.AccessPolicy.PlanRows | Should -Be 0
            $result.AccessPolicy.ChangeSetRows | Should -BeGreaterThan 0
            $result.AccessPolicy.ApplyRequests | Should -BeGreaterOrEqual $result.AccessPolicy.MinimalRequests
            $result.AccessPolicy.RowsLeftAfter | Should -Be 0
            $text = Get-Content $report -Raw
            $text | Should -Match '\| 1 \| Import-Module'
            $text | Should -Match '\| 5 \| Emulator'
            $text | Should -Match '\| 6a \| Access review'
            $text | Should -Match '## Access policy'
            $text | Should -Match '\| `Invoke-PveAccessPolicy`, 10 % change set'
            $text | Should -Match '\*\*Machine:\*\*'
        }
        finally {
            Remove-Item $report -ErrorAction SilentlyContinue
        }
    }
}
