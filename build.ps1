#Requires -Version 5.1
<#
.SYNOPSIS
    Builds, documents, tests, demonstrates and packages the PveTokens module.

.DESCRIPTION
    Tasks:
      Build    compile the solution and stage the module into out/PveTokens (runs Docs too)
      Docs     turn docs/en-US (PlatyPS markdown) into MAML help in out/PveTokens/en-US
      Test     Build, then run xunit and Pester; the last line is 'total: N passed, N failed, N skipped'.
               In a git checkout, entries the run adds to 'git status --porcelain' count as one
               failure (a run must leave the checkout as it found it)
      Demo     Build, start the PVE emulator and walk through the module against it
      Bench    Build, then measure the module against the emulator and write docs/performance.md
      Package  Build, then pack the staged module into out/PveTokens.<version>.nupkg for
               Publish-PSResource / Install-PSResource (needs PSResourceGet, bundled with pwsh 7.4+)
      Clean    remove out/, TestResults/ and every bin/ and obj/ folder

    Runs on PowerShell 7.4+ (for example 'dotnet pwsh ./build.ps1') and on Windows PowerShell 5.1.

.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    [string] $PesterVersion = '5.7.1'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$RepoRoot = $PSScriptRoot
$OutDir = Join-Path $RepoRoot 'out'
$ModuleOut = Join-Path $OutDir 'PveTokens'
$EmulatorOut = Join-Path $OutDir 'PveEmulator'
$ResultsDir = Join-Path $RepoRoot 'TestResults'

function Invoke-Native {
    # Runs a native command and stops the build when it fails (works the same on 5.1 and 7.x).
    param([string] $FilePath, [string[]] $ArgumentList)
    & $FilePath @ArgumentList
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-ChildPowerShell {
    # The PowerShell that runs this script, as a command line for child processes. Under 'dotnet pwsh'
    # the process is the dotnet host and pwsh.dll sits in $PSHOME.
    $processPath = (Get-Process -Id $PID).Path
    $pwshDll = Join-Path $PSHOME 'pwsh.dll'
    if ([IO.Path]::GetFileNameWithoutExtension($processPath) -eq 'dotnet' -and (Test-Path $pwshDll)) {
        return , @($processPath, $pwshDll)
    }
    return , @($processPath)
}

function Invoke-ChildPowerShell {
    param([string] $File, [string[]] $ArgumentList = @())
    $shell = Get-ChildPowerShell
    $exe = $shell[0]
    $prefix = @($shell | Select-Object -Skip 1)
    # The child's output goes to the host as it comes, so only the exit code is returned.
    & $exe @prefix -NoProfile -NonInteractive -File $File @ArgumentList | Out-Host
    return $LASTEXITCODE
}

function Invoke-Build {
    Write-Host "==> dotnet build PveTokens.sln -c $Configuration"
    Invoke-Native dotnet @('build', (Join-Path $RepoRoot 'PveTokens.sln'), '-c', $Configuration, '--nologo', '-v', 'minimal')

    Write-Host "==> staging $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $dependencies = Join-Path $ModuleOut 'dependencies'
    New-Item -ItemType Directory -Path $dependencies -Force | Out-Null
    $moduleBin = Join-Path $RepoRoot "src/PveTokens/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $moduleBin 'PveTokens.dll') $ModuleOut
    Copy-Item (Join-Path $RepoRoot 'PveTokens.psd1') $ModuleOut
    Copy-Item (Join-Path $RepoRoot 'src/PveTokens/PveTokens.Format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $RepoRoot 'LICENSE') $ModuleOut
    # Everything else the build copied locally is System.Text.Json's netstandard closure; it goes to
    # dependencies/ so Windows PowerShell 5.1 loads it through the module's AssemblyResolve hook.
    Get-ChildItem $moduleBin -Filter '*.dll' |
        Where-Object Name -NE 'PveTokens.dll' |
        Copy-Item -Destination $dependencies

    Write-Host "==> staging $EmulatorOut"
    if (Test-Path $EmulatorOut) { Remove-Item $EmulatorOut -Recurse -Force }
    Copy-Item (Join-Path $RepoRoot "tests/PveEmulator/bin/$Configuration/net10.0") $EmulatorOut -Recurse

    Invoke-Docs
}

function Invoke-Docs {
    $docs = Join-Path $RepoRoot 'docs/en-US'
    if (-not (Get-ChildItem $docs -Filter '*-*.md' -ErrorAction SilentlyContinue)) {
        Write-Host '==> docs: no cmdlet pages yet'
        return
    }
    Write-Host '==> docs: MAML help'
    $rc = Invoke-ChildPowerShell (Join-Path $RepoRoot 'build/New-MamlHelp.ps1') @('-ModulePath', $ModuleOut, '-DocsPath', $docs)
    if ($rc -ne 0) { throw "Building the help failed (exit code $rc)." }
}

function Get-PesterModule {
    $psd1 = Join-Path $RepoRoot ".tools/packages/pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $psd1)) {
        Write-Host "==> fetching Pester $PesterVersion from NuGet"
        Invoke-Native dotnet @('restore', (Join-Path $RepoRoot 'build/tools.csproj'), '--packages', (Join-Path $RepoRoot '.tools/packages'),
            "-p:PesterVersion=$PesterVersion", '--nologo', '-v', 'quiet')
    }
    return $psd1
}

function Get-GitStatus {
    # The checkout's dirty and untracked entries ('git status --porcelain', every untracked file
    # listed), or $null when this folder is not a git checkout or git is missing.
    if (-not (Get-Command git -CommandType Application -ErrorAction SilentlyContinue)) { return $null }
    # git's stderr must not become a terminating error (Windows PowerShell 5.1 with 'Stop').
    $ErrorActionPreference = 'Continue'
    $inside = & git -C $RepoRoot rev-parse --is-inside-work-tree 2>$null
    if ($LASTEXITCODE -ne 0 -or "$inside" -ne 'true') { return $null }
    $lines = @(& git -C $RepoRoot status --porcelain --untracked-files=all -- . 2>$null)
    if ($LASTEXITCODE -ne 0) { return $null }
    return , $lines
}

function Invoke-Test {
    # Recorded before anything runs, so only what the build and the tests add counts, not a
    # developer's uncommitted work.
    $statusBefore = Get-GitStatus
    Invoke-Build
    if (Test-Path $ResultsDir) { Remove-Item $ResultsDir -Recurse -Force }
    New-Item -ItemType Directory -Path $ResultsDir | Out-Null

    Write-Host '==> xunit'
    & dotnet test (Join-Path $RepoRoot 'PveTokens.sln') -c $Configuration --no-build --nologo `
        --logger 'trx;LogFileName=xunit.trx' --logger 'console;verbosity=normal' --results-directory $ResultsDir
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    $trx = Join-Path $ResultsDir 'xunit.trx'
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $xunit.Passed = [int]$counters.passed
        $xunit.Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        $xunit.Skipped = [int]$counters.notExecuted
    }
    else {
        Write-Host 'xunit produced no results file: counting the run as one failure.'
        $xunit.Failed = 1
    }

    Write-Host '==> Pester'
    $pester = Get-PesterModule
    $summary = Join-Path $ResultsDir 'pester-summary.json'
    $rc = Invoke-ChildPowerShell (Join-Path $RepoRoot 'build/Invoke-PesterSuite.ps1') @(
        '-PesterModule', $pester, '-ModulePath', $ModuleOut, '-EmulatorPath', $EmulatorOut,
        '-TestPath', (Join-Path $RepoRoot 'tests/Pester'), '-ResultsPath', $ResultsDir, '-SummaryPath', $summary)
    $pesterCounts = @{ Passed = 0; Failed = 1; Skipped = 0 }
    if (Test-Path $summary) {
        $s = Get-Content $summary -Raw | ConvertFrom-Json
        $pesterCounts = @{ Passed = [int]$s.Passed; Failed = [int]$s.Failed; Skipped = [int]$s.Skipped }
    }
    else {
        Write-Host "Pester produced no summary (exit code $rc): counting the run as one failure."
    }

    # A run must leave 'git status' as it found it: whatever it wrote outside the ignored build
    # output (.gitignore) is a bug in a test or a build script, counted as one failed test.
    $checkoutFailed = 0
    $checkoutLine = 'checkout: not a git checkout (or no git), not checked'
    $statusAfter = if ($null -ne $statusBefore) { Get-GitStatus }
    if ($null -ne $statusBefore -and $null -ne $statusAfter) {
        $added = @($statusAfter | Where-Object { $statusBefore -notcontains $_ })
        if ($added.Count -gt 0) {
            Write-Host "The run changed the checkout; 'git status --porcelain' has $($added.Count) new entr$(if ($added.Count -eq 1) { 'y' } else { 'ies' }):"
            $added | ForEach-Object { Write-Host "  $_" }
            $checkoutFailed = 1
            $checkoutLine = "checkout: $($added.Count) new git status entr$(if ($added.Count -eq 1) { 'y' } else { 'ies' }), counted as 1 failed"
        }
        else {
            $checkoutLine = 'checkout: git status unchanged'
        }
    }

    $passed = $xunit.Passed + $pesterCounts.Passed
    $failed = $xunit.Failed + $pesterCounts.Failed + $checkoutFailed
    $skipped = $xunit.Skipped + $pesterCounts.Skipped
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed, $($xunit.Skipped) skipped"
    Write-Host "pester: $($pesterCounts.Passed) passed, $($pesterCounts.Failed) failed, $($pesterCounts.Skipped) skipped"
    Write-Host $checkoutLine
    Write-Host "total: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0 -or ($passed -eq 0)) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    $rc = Invoke-ChildPowerShell (Join-Path $RepoRoot 'build/Demo.ps1') @('-ModulePath', $ModuleOut, '-EmulatorPath', $EmulatorOut)
    if ($rc -ne 0) { exit $rc }
}

function Invoke-Bench {
    Invoke-Build
    $rc = Invoke-ChildPowerShell (Join-Path $RepoRoot 'bench/Invoke-Benchmark.ps1') @(
        '-ModulePath', $ModuleOut, '-EmulatorPath', $EmulatorOut, '-OutputPath', (Join-Path $RepoRoot 'docs/performance.md'))
    if ($rc -ne 0) { exit $rc }
}

function Invoke-Package {
    Invoke-Build
    Write-Host '==> package'
    Get-ChildItem $OutDir -Filter 'PveTokens.*.nupkg' -ErrorAction SilentlyContinue | Remove-Item -Force
    $rc = Invoke-ChildPowerShell (Join-Path $RepoRoot 'build/New-ModulePackage.ps1') @('-ModulePath', $ModuleOut, '-OutputPath', $OutDir)
    if ($rc -ne 0) { throw "Packaging failed (exit code $rc)." }
    $package = Get-ChildItem $OutDir -Filter 'PveTokens.*.nupkg' | Select-Object -First 1
    if (-not $package) { throw "Packaging wrote no nupkg to $OutDir." }
    Write-Host "==> $($package.FullName)"
}

function Invoke-Clean {
    foreach ($path in @($OutDir, $ResultsDir)) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
    Get-ChildItem $RepoRoot -Directory -Recurse -Include 'bin', 'obj' |
        Where-Object { $_.FullName -notlike '*[\/]node_modules[\/]*' -and $_.FullName -notlike '*[\/].tools[\/]*' } |
        Remove-Item -Recurse -Force
}

switch ($Task) {
    'Build' { Invoke-Build }
    'Docs' { Invoke-Docs }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
    'Clean' { Invoke-Clean }
}
