#Requires -Version 7.4
<#
.SYNOPSIS
    Measures PveTokens against the PVE emulator over loopback HTTPS and writes docs/performance.md.

.DESCRIPTION
    Seven measurements, side by side, in one run:
      1. Import: Import-Module in a fresh pwsh, minus a fresh pwsh that imports nothing.
      2. Per-call overhead: sequential Get-PveApiToken -UserId -TokenId through one session, against
         the same requests from a raw keep-alive HttpClient in the same process (the floor) and
         against an Invoke-RestMethod loop (what people write by hand).
      3. Inventory: every token of many users with one Get-PveApiToken, against a per-user loop;
         peak working-set delta measured in a fresh process.
      4. Bulk change: create, grant, rotate and remove tokens through pipelines, against the same
         requests from the raw client.
      5. The emulator's own cost: a trivial request from the raw client, sequential and 8-way parallel.
      6. Access review: Get-PveAccessReport over -ReviewUsers users with one token each, -ReviewGroups
         groups and -ReviewAcl ACL entries (full matrix and a single privilege; requests counted;
         peak working-set delta in a fresh process), against asking GET /access/permissions once
         per principal.
      7. Access policy: bench/Invoke-AccessPolicyBenchmark.ps1 (plan time and requests, and the
         requests of a 10 % change set against a minimal hand-written script), in its own section.

    Every timed measure is repeated -Runs times; the report gives the median and the spread (min-max).
    -Smoke runs tiny sizes once so that the test suite keeps the harness from rotting; its report
    is written only where -OutputPath points.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $EmulatorPath,
    [string] $OutputPath,
    [int] $Runs = 5,
    [int] $ImportRuns = 15,
    [int] $Calls = 2000,
    [int] $Users = 5000,
    [int] $TokensPerUser = 3,
    [int] $BulkTokens = 1000,
    [int] $ReviewUsers = 1000,
    [int] $ReviewGroups = 40,
    [int] $ReviewAcl = 500,
    [switch] $Smoke
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
if ($Smoke) {
    $Runs = 1; $ImportRuns = 1; $Calls = 20; $Users = 20; $TokensPerUser = 3; $BulkTokens = 5
    $ReviewUsers = 20; $ReviewGroups = 4; $ReviewAcl = 20
}

. (Join-Path $PSScriptRoot '../build/PveEmulatorProcess.ps1')
$psd1 = Join-Path $ModulePath 'PveTokens.psd1'
$pwshCommand = @((Get-Process -Id $PID).Path)
if ([IO.Path]::GetFileNameWithoutExtension($pwshCommand[0]) -eq 'dotnet') { $pwshCommand += (Join-Path $PSHOME 'pwsh.dll') }

$benchSecret = '6f0b5c1e-2d4a-4e8b-9c3f-0a1b2c3d4e5f'
$benchTokenId = 'root@pam!bench'

function Get-Stats {
    param([double[]] $Values)
    $sorted = @($Values | Sort-Object)
    $n = $sorted.Count
    $median = if ($n % 2) { $sorted[[int][math]::Floor($n / 2)] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
    [pscustomobject]@{ Median = $median; Min = $sorted[0]; Max = $sorted[-1]; Count = $n }
}

function Measure-Runs {
    param([int] $Count, [scriptblock] $Body)
    # One untimed warm-up run first, so that JIT and connection set-up are not charged to one side.
    & $Body | Out-Null
    $values = for ($i = 0; $i -lt $Count; $i++) {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        & $Body | Out-Null
        $sw.Stop()
        $sw.Elapsed.TotalMilliseconds
    }
    Get-Stats $values
}

function New-SeedFile {
    param([string] $Path, [int] $UserCount, [int] $TokensEach)
    $users = [System.Collections.Generic.List[object]]::new()
    $tokens = [System.Collections.Generic.List[object]]::new()
    $users.Add(@{ userid = 'bulk@pve'; enable = 1 })
    for ($u = 1; $u -le $UserCount; $u++) {
        $userId = 'user{0:D5}@pve' -f $u
        $users.Add(@{ userid = $userId; enable = 1 })
        for ($t = 1; $t -le $TokensEach; $t++) {
            $tokens.Add(@{ userid = $userId; tokenid = "tok$t"; privsep = 1; expire = 0; comment = "token $t of $userId" })
        }
    }
    $tokens.Add(@{ userid = 'root@pam'; tokenid = 'bench'; secret = $benchSecret; privsep = 0; expire = 0 })
    @{ users = $users; tokens = $tokens } | ConvertTo-Json -Depth 5 -Compress | Set-Content -Path $Path -Encoding utf8
}

function New-ReviewSeedFile {
    param([string] $Path, [int] $UserCount, [int] $GroupCount, [int] $AclCount)
    # Seeded, so every run reviews the same configuration: users in up to three groups, one token
    # each (two in three privilege-separated), one in twenty users disabled; ACL entries mostly on
    # single VMs and storages, a few on the roots, a quarter without propagation, NoAccess among them.
    $random = [Random]::new(20261202)
    $groups = @(1..$GroupCount | ForEach-Object { 'grp{0:D2}' -f $_ })
    $users = [System.Collections.Generic.List[object]]::new()
    $tokens = [System.Collections.Generic.List[object]]::new()
    for ($u = 1; $u -le $UserCount; $u++) {
        $userId = 'rev{0:D4}@pve' -f $u
        $member = @($groups | Sort-Object { $random.Next() } | Select-Object -First ($random.Next(0, 4)))
        $users.Add(@{ userid = $userId; enable = [int]($random.Next(20) -gt 0); groups = $member })
        $tokens.Add(@{ userid = $userId; tokenid = 'svc'; privsep = [int]($random.Next(3) -gt 0); expire = 0 })
    }
    $tokens.Add(@{ userid = 'root@pam'; tokenid = 'bench'; secret = $benchSecret; privsep = 0; expire = 0 })
    $roles = @('PVEAuditor', 'PVEVMUser', 'PVEVMAdmin', 'PVEDatastoreUser', 'PVEDatastoreAdmin', 'NoAccess', 'Review-Operator', 'PVESysAdmin', 'PVEAdmin')
    $acl = [System.Collections.Generic.List[object]]::new()
    for ($i = 0; $i -lt $AclCount; $i++) {
        $aclPath = switch ($random.Next(100)) {
            { $_ -lt 1 } { '/'; break }
            { $_ -lt 3 } { '/vms'; break }
            { $_ -lt 5 } { '/storage'; break }
            { $_ -lt 25 } { '/storage/store{0}' -f $random.Next(40); break }
            { $_ -lt 30 } { '/nodes/node{0}' -f $random.Next(8); break }
            { $_ -lt 35 } { '/pool/pool{0}' -f $random.Next(10); break }
            default { '/vms/{0}' -f (100 + $random.Next(300)) }
        }
        $entry = @{ path = $aclPath; roleid = $roles[$random.Next($roles.Count)]; propagate = [int]($random.Next(4) -gt 0) }
        switch ($random.Next(3)) {
            0 { $entry.type = 'group'; $entry.ugid = $groups[$random.Next($groups.Count)] }
            1 { $entry.type = 'user'; $entry.ugid = 'rev{0:D4}@pve' -f (1 + $random.Next($UserCount)) }
            default { $entry.type = 'token'; $entry.ugid = 'rev{0:D4}@pve!svc' -f (1 + $random.Next($UserCount)) }
        }
        $acl.Add($entry)
    }
    @{
        users  = $users
        groups = @($groups | ForEach-Object { @{ groupid = $_ } })
        roles  = @(@{ roleid = 'Review-Operator'; privs = @('VM.Audit', 'VM.PowerMgmt', 'Sys.Modify', 'Datastore.Audit') })
        tokens = $tokens
        acl    = $acl
    } | ConvertTo-Json -Depth 6 -Compress | Set-Content -Path $Path -Encoding utf8
}

function Measure-Review-Memory {
    param($Emulator)
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$psd1'
`$secure = ConvertTo-SecureString '$benchSecret' -AsPlainText -Force
Connect-PveServer -Server '$($Emulator.Url)' -ApiToken ([pscredential]::new('$benchTokenId', `$secure)) -CertificateThumbprint '$($Emulator.Thumbprint)' | Out-Null
Get-PveAccessReport -Privilege Sys.Audit -Path / | Out-Null
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$p = Get-Process -Id `$PID; `$p.Refresh(); `$before = `$p.WorkingSet64
`$count = 0; Get-PveAccessReport -IncludeUnusable | ForEach-Object { `$count++ }
`$p.Refresh()
"`$count `$before `$(`$p.PeakWorkingSet64)"
"@
    $out = & $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
    $parts = ([string]($out | Select-Object -Last 1)).Split(' ')
    [pscustomobject]@{ Count = [int]$parts[0]; DeltaMB = ([double]$parts[2] - [double]$parts[1]) / 1MB }
}

function Measure-Requests {
    param([scriptblock] $Body)
    # The module writes one verbose line per HTTP call: "<server> <METHOD> <path> -> <status>, <n> ms".
    $VerbosePreference = 'Continue'
    @(& $Body 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match '^\S+ (GET|POST|PUT|DELETE) \S+.* -> ' }).Count
}

# The raw client is compiled C#: a PowerShell scriptblock cannot serve as a TLS validation callback,
# because .NET calls it on a thread-pool thread that has no runspace.
Add-Type -TypeDefinition @'
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading.Tasks;

public sealed class PveBenchRawClient : IDisposable
{
    private readonly HttpClient _client;

    public PveBenchRawClient(string baseUrl, string thumbprint, string authorization)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            certificate != null && string.Equals(Convert.ToHexString(SHA256.HashData(certificate.GetRawCertData())), thumbprint, StringComparison.OrdinalIgnoreCase);
        _client = new HttpClient(handler) { BaseAddress = new Uri(baseUrl) };
        _client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
    }

    public int Send(string method, string path, IDictionary<string, string> form = null)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (form != null) request.Content = new FormUrlEncodedContent(form);
        using HttpResponseMessage response = _client.Send(request);
        byte[] body = response.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"{method} {path} -> {(int)response.StatusCode} {response.ReasonPhrase}");
        return body.Length;
    }

    public void ParallelGet(string path, int workers, int total)
    {
        var tasks = new Task[workers];
        for (int w = 0; w < workers; w++)
        {
            tasks[w] = Task.Run(async () =>
            {
                for (int i = 0; i < total / workers; i++) { await _client.GetByteArrayAsync(path).ConfigureAwait(false); }
            });
        }
        Task.WaitAll(tasks);
    }

    public void Dispose() => _client.Dispose();
}
'@

function New-RawClient {
    param($Emulator)
    [PveBenchRawClient]::new("$($Emulator.Url.TrimEnd('/'))/api2/json/", $Emulator.Thumbprint, "PVEAPIToken=$benchTokenId=$benchSecret")
}

function Invoke-Raw {
    param([PveBenchRawClient] $Client, [string] $Method, [string] $Path, [hashtable] $Form)
    $dictionary = $null
    if ($Form) {
        $dictionary = [System.Collections.Generic.Dictionary[string, string]]::new()
        foreach ($key in $Form.Keys) { $dictionary[$key] = [string]$Form[$key] }
    }
    $Client.Send($Method, $Path, $dictionary)
}

function Measure-Import {
    $bare = for ($i = 0; $i -lt $ImportRuns; $i++) {
        (Measure-Command { & $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command 'exit 0' }).TotalMilliseconds
    }
    $withImport = for ($i = 0; $i -lt $ImportRuns; $i++) {
        (Measure-Command { & $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command "Import-Module '$psd1'; exit 0" }).TotalMilliseconds
    }
    # Split the added time: the first Import-Module of any module warms PowerShell's own module
    # machinery; importing an empty manifest module first leaves only what PveTokens itself costs.
    $empty = Join-Path $workDir 'EmptyModule'
    New-Item -ItemType Directory -Path $empty -Force | Out-Null
    Set-Content -Path (Join-Path $empty 'EmptyModule.psm1') -Value ''
    Set-Content -Path (Join-Path $empty 'EmptyModule.psd1') -Value "@{ RootModule = 'EmptyModule.psm1'; ModuleVersion = '1.0'; FunctionsToExport = @(); CmdletsToExport = @() }"
    $timeImport = "`$sw = [Diagnostics.Stopwatch]::StartNew(); Import-Module '{0}'; `$sw.Elapsed.TotalMilliseconds"
    $firstModule = for ($i = 0; $i -lt $ImportRuns; $i++) {
        [double](& $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command ($timeImport -f $psd1))
    }
    $afterWarm = for ($i = 0; $i -lt $ImportRuns; $i++) {
        [double](& $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command ("Import-Module '$empty/EmptyModule.psd1'; " + ($timeImport -f $psd1)))
    }
    $emptyFirst = for ($i = 0; $i -lt $ImportRuns; $i++) {
        [double](& $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command ($timeImport -f "$empty/EmptyModule.psd1"))
    }
    [pscustomobject]@{
        Bare = Get-Stats $bare; WithImport = Get-Stats $withImport
        FirstModule = Get-Stats $firstModule; AfterWarm = Get-Stats $afterWarm; EmptyFirst = Get-Stats $emptyFirst
    }
}

function Measure-Inventory-Memory {
    param($Emulator, [int] $ExpectedTokens)
    $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$psd1'
`$secure = ConvertTo-SecureString '$benchSecret' -AsPlainText -Force
Connect-PveServer -Server '$($Emulator.Url)' -ApiToken ([pscredential]::new('$benchTokenId', `$secure)) -CertificateThumbprint '$($Emulator.Thumbprint)' | Out-Null
Get-PveApiToken -UserId 'user00001@pve' | Out-Null
[GC]::Collect(); [GC]::WaitForPendingFinalizers(); [GC]::Collect()
`$p = Get-Process -Id `$PID; `$p.Refresh(); `$before = `$p.WorkingSet64
`$count = (Get-PveApiToken).Count
`$p.Refresh()
"`$count `$before `$(`$p.PeakWorkingSet64)"
"@
    $out = & $pwshCommand[0] @($pwshCommand | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
    $parts = ([string]($out | Select-Object -Last 1)).Split(' ')
    [pscustomobject]@{ Count = [int]$parts[0]; DeltaMB = ([double]$parts[2] - [double]$parts[1]) / 1MB }
}

$machine = [pscustomobject]@{
    Cpu     = if (Test-Path /proc/cpuinfo) { ((Get-Content /proc/cpuinfo | Where-Object { $_ -like 'model name*' } | Select-Object -First 1) -split ':\s*', 2)[1] } else { $env:PROCESSOR_IDENTIFIER }
    Cores   = [Environment]::ProcessorCount
    Memory  = if (Test-Path /proc/meminfo) { '{0:N0} GiB' -f ([double](((Get-Content /proc/meminfo -TotalCount 1) -split '\s+')[1]) / 1MB) } else { '' }
    OS      = [Runtime.InteropServices.RuntimeInformation]::OSDescription
    Runtime = [Runtime.InteropServices.RuntimeInformation]::FrameworkDescription
    Pwsh    = $PSVersionTable.PSVersion.ToString()
}

$workDir = Join-Path ([IO.Path]::GetTempPath()) ("pvetokens-bench-" + [Guid]::NewGuid().ToString('N'))
New-Item -ItemType Directory -Path $workDir | Out-Null
$seed = Join-Path $workDir 'seed.json'
New-SeedFile -Path $seed -UserCount $Users -TokensEach $TokensPerUser
$emulator = Start-PveEmulatorProcess -EmulatorPath $EmulatorPath -SeedFile $seed
try {
    Write-Host "Emulator at $($emulator.Url) seeded with $Users users x $TokensPerUser tokens"
    Import-Module $psd1 -Force
    $secure = ConvertTo-SecureString $benchSecret -AsPlainText -Force
    $session = Connect-PveServer -Server $emulator.Url -ApiToken ([pscredential]::new($benchTokenId, $secure)) -CertificateThumbprint $emulator.Thumbprint -PassThru
    $raw = New-RawClient $emulator

    Write-Host '1/7 import'
    $import = Measure-Import

    Write-Host '2/7 per-call overhead'
    $tokenPath = 'access/users/user00001@pve/token/tok1'
    Get-PveApiToken -UserId 'user00001@pve' -TokenId 'tok1' | Out-Null
    Invoke-Raw $raw GET $tokenPath | Out-Null
    $module = Measure-Runs $Runs { for ($i = 0; $i -lt $Calls; $i++) { Get-PveApiToken -UserId 'user00001@pve' -TokenId 'tok1' } }
    $floor = Measure-Runs $Runs { for ($i = 0; $i -lt $Calls; $i++) { Invoke-Raw $raw GET $tokenPath } }
    $irmHeaders = @{ Authorization = "PVEAPIToken=$benchTokenId=$benchSecret" }
    $irmUri = "$($emulator.Url.TrimEnd('/'))/api2/json/$tokenPath"
    $irm = Measure-Runs $Runs { for ($i = 0; $i -lt $Calls; $i++) { Invoke-RestMethod -Uri $irmUri -Headers $irmHeaders -SkipHeaderValidation -SkipCertificateCheck } }

    Write-Host '3/7 inventory'
    $inventory = Measure-Runs $Runs { Get-PveApiToken }
    $userIds = 1..$Users | ForEach-Object { 'user{0:D5}@pve' -f $_ }
    # The peers' way: one cmdlet call (one request) per user. Also timed with the raw client, the
    # cheapest possible per-user loop, for reference.
    $perUser = Measure-Runs ([math]::Min($Runs, 3)) { foreach ($u in $userIds) { Get-PveApiToken -UserId $u } }
    $perUserRaw = Measure-Runs ([math]::Min($Runs, 3)) { foreach ($u in $userIds) { Invoke-Raw $raw GET "access/users/$u/token" } }
    $memory = Measure-Inventory-Memory $emulator ($Users * $TokensPerUser)

    Write-Host '4/7 bulk change'
    $bulkIds = 1..$BulkTokens | ForEach-Object { "b$_" }
    $bulkModule = Measure-Runs $Runs {
        $bulkIds | ForEach-Object { [pscustomobject]@{ UserId = 'bulk@pve'; TokenId = $_ } } | New-PveApiToken | Out-Null
        Get-PveApiToken -UserId 'bulk@pve' | Set-PveAcl -Path '/vms/100' -Role 'PVEVMUser'
        Get-PveApiToken -UserId 'bulk@pve' | Reset-PveApiToken -Confirm:$false | Out-Null
        Get-PveApiToken -UserId 'bulk@pve' | Remove-PveApiToken -Confirm:$false
    }
    $bulkRaw = Measure-Runs $Runs {
        foreach ($id in $bulkIds) { Invoke-Raw $raw POST "access/users/bulk@pve/token/$id" @{ privsep = 1 } }
        Invoke-Raw $raw GET 'access/users/bulk@pve/token' | Out-Null
        Invoke-Raw $raw GET 'access/acl' | Out-Null
        foreach ($id in $bulkIds) { Invoke-Raw $raw PUT 'access/acl' @{ path = '/vms/100'; roles = 'PVEVMUser'; tokens = "bulk@pve!$id" } }
        Invoke-Raw $raw GET 'access/users/bulk@pve/token' | Out-Null
        foreach ($id in $bulkIds) { Invoke-Raw $raw PUT "access/users/bulk@pve/token/$id" @{ regenerate = 1 } }
        Invoke-Raw $raw GET 'access/users/bulk@pve/token' | Out-Null
        foreach ($id in $bulkIds) { Invoke-Raw $raw DELETE "access/users/bulk@pve/token/$id" }
    }

    Write-Host '5/7 emulator cost'
    $emulatorSequential = Measure-Runs $Runs { for ($i = 0; $i -lt $Calls; $i++) { Invoke-Raw $raw GET 'version' } }
    $parallelCalls = $Calls * 4
    $emulatorParallel = Measure-Runs $Runs { $raw.ParallelGet('version', 8, $parallelCalls) }
}
finally {
    if (Get-Variable raw -ErrorAction SilentlyContinue) { $raw.Dispose() }
    Stop-PveEmulatorProcess $emulator
}

$reviewSeed = Join-Path $workDir 'review-seed.json'
New-ReviewSeedFile -Path $reviewSeed -UserCount $ReviewUsers -GroupCount $ReviewGroups -AclCount $ReviewAcl
$reviewEmulator = Start-PveEmulatorProcess -EmulatorPath $EmulatorPath -SeedFile $reviewSeed
try {
    Write-Host "6/7 access review: $ReviewUsers users and $ReviewUsers tokens, $ReviewGroups groups, $ReviewAcl ACL entries"
    $secure = ConvertTo-SecureString $benchSecret -AsPlainText -Force
    $reviewSession = Connect-PveServer -Server $reviewEmulator.Url -ApiToken ([pscredential]::new($benchTokenId, $secure)) -CertificateThumbprint $reviewEmulator.Thumbprint -PassThru
    $reviewRaw = New-RawClient $reviewEmulator
    $matrixRows = @(Get-PveAccessReport -Session $reviewSession -IncludeUnusable).Count
    $singleRows = @(Get-PveAccessReport -Session $reviewSession -IncludeUnusable -Privilege Sys.Modify).Count
    $matrixRequests = Measure-Requests { Get-PveAccessReport -Session $reviewSession -IncludeUnusable | Out-Null }
    $singleRequests = Measure-Requests { Get-PveAccessReport -Session $reviewSession -IncludeUnusable -Privilege Sys.Modify | Out-Null }
    $matrix = Measure-Runs $Runs { Get-PveAccessReport -Session $reviewSession -IncludeUnusable }
    $single = Measure-Runs $Runs { Get-PveAccessReport -Session $reviewSession -IncludeUnusable -Privilege Sys.Modify }
    $principals = @(1..$ReviewUsers | ForEach-Object { 'rev{0:D4}@pve' -f $_; 'rev{0:D4}@pve!svc' -f $_ }) + 'root@pam'
    # The per-principal way: one GET /access/permissions (the whole tree) per user and token.
    $perPrincipalRaw = Measure-Runs 1 { foreach ($p in $principals) { Invoke-Raw $reviewRaw GET "access/permissions?userid=$([uri]::EscapeDataString($p))" } }
    $perPrincipalModule = Measure-Runs 1 {
        foreach ($p in $principals) {
            if ($p.Contains('!')) { Get-PvePermission -Session $reviewSession -TokenId $p } else { Get-PvePermission -Session $reviewSession -UserId $p }
        }
    }
    $reviewMemory = Measure-Review-Memory $reviewEmulator
}
finally {
    if (Get-Variable reviewRaw -ErrorAction SilentlyContinue) { $reviewRaw.Dispose() }
    Stop-PveEmulatorProcess $reviewEmulator
    Remove-Item $workDir -Recurse -Force -ErrorAction SilentlyContinue
}

Write-Host '7/7 access policy'
$policy = & (Join-Path $PSScriptRoot 'Invoke-AccessPolicyBenchmark.ps1') -ModulePath $ModulePath -EmulatorPath $EmulatorPath -Runs $Runs -Smoke:$Smoke |
    Select-Object -Last 1

function Format-Ms([double] $Value) { if ($Value -ge 100) { '{0:N0}' -f $Value } else { '{0:N2}' -f $Value } }
function Format-Stat($Stat, [double] $Divisor = 1) { '{0} ({1}–{2})' -f (Format-Ms ($Stat.Median / $Divisor)), (Format-Ms ($Stat.Min / $Divisor)), (Format-Ms ($Stat.Max / $Divisor)) }
function Format-Speed([double] $Other, [double] $Ours) { if ($Ours -le $Other) { '{0:N1}× faster than' -f ($Other / $Ours) } else { '{0:N1}× slower than' -f ($Ours / $Other) } }
function Format-Verdict([bool] $Ok) { if ($Ok) { 'met' } else { '**missed**' } }

$importAdded = $import.WithImport.Median - $import.Bare.Median
$perCallRatio = $module.Median / $floor.Median
$irmRatio = $irm.Median / $module.Median
$inventorySpeedup = $perUser.Median / $inventory.Median
$bulkRatio = $bulkModule.Median / $bulkRaw.Median
$tokenCount = $Users * $TokensPerUser
$rps = $parallelCalls / ($emulatorParallel.Median / 1000)

$results = [pscustomobject]@{
    ImportAddedMs        = $importAdded
    PerCallRatio         = $perCallRatio
    InvokeRestMethodRatio = $irmRatio
    InventoryMs          = $inventory.Median
    InventorySpeedup     = $inventorySpeedup
    InventoryMemoryMB    = $memory.DeltaMB
    InventoryCount       = $memory.Count
    BulkRatio            = $bulkRatio
    EmulatorRequestsPerSecond = $rps
    AccessReportRows     = $matrixRows
    AccessReportRequests = $matrixRequests
    AccessReportMs       = $matrix.Median
    SinglePrivilegeRows  = $singleRows
    SinglePrivilegeRequests = $singleRequests
    SinglePrivilegeMs    = $single.Median
    PerPrincipalMs       = $perPrincipalModule.Median
    AccessReportMemoryMB = $reviewMemory.DeltaMB
    AccessPolicy         = $policy
}

$report = @"
# Performance

Measured by ``build.ps1 -Task Bench`` (``bench/Invoke-Benchmark.ps1``) on $(Get-Date -Format 'yyyy-MM-dd'), against the PVE emulator over loopback HTTPS with a pinned certificate.
Times in milliseconds: median over the runs, with the spread (min–max) in parentheses.

**Machine:** $($machine.Cpu), $($machine.Cores) cores, $($machine.Memory); $($machine.OS); $($machine.Runtime); PowerShell $($machine.Pwsh).

| # | Measure | PveTokens | Comparison | Result | Target |
|---|---|---|---|---|---|
| 1 | Import-Module, fresh pwsh ($ImportRuns runs each) | $(Format-Ms $importAdded) ms added (pwsh + import $(Format-Stat $import.WithImport) vs bare pwsh $(Format-Stat $import.Bare)). Timed inside the process: Import-Module PveTokens as the first module $(Format-Stat $import.FirstModule), an empty manifest module as the first module $(Format-Stat $import.EmptyFirst), PveTokens after that empty module $(Format-Stat $import.AfterWarm) | cv4pve 357–452 ms, PSProxmoxVE 107–154 ms (peers' survey) | $(Format-Verdict ($importAdded -lt 60)) | < 60 ms added |
| 2 | $Calls × ``Get-PveApiToken -UserId -TokenId``, one session, ms per call | $(Format-Stat $module $Calls) | raw HttpClient keep-alive: $(Format-Stat $floor $Calls); Invoke-RestMethod loop: $(Format-Stat $irm $Calls) | $('{0:N2}' -f $perCallRatio)× the raw client, Invoke-RestMethod is $('{0:N1}' -f $irmRatio)× slower: $(Format-Verdict ($perCallRatio -le 1.5 -and $irmRatio -ge 3)) | ≤ 1.5× raw, ≥ 3× faster than Invoke-RestMethod |
| 3 | Inventory: all $('{0:N0}' -f $tokenCount) tokens of $('{0:N0}' -f $Users) users, ``Get-PveApiToken`` (1 request) | $(Format-Stat $inventory); peak working set +$('{0:N1}' -f $memory.DeltaMB) MB ($('{0:N0}' -f $memory.Count) tokens) | per-user loop, ``Get-PveApiToken -UserId`` per user ($('{0:N0}' -f $Users) requests): $(Format-Stat $perUser); the same loop with the raw keep-alive client: $(Format-Stat $perUserRaw) | $('{0:N1}' -f $inventorySpeedup)× faster: $(Format-Verdict ($inventory.Median -lt 1000 -and $inventorySpeedup -ge 20 -and $memory.DeltaMB -lt 100)) | 1 request, < 1 s, ≥ 20× faster, < 100 MB |
| 4 | Bulk: create, grant, rotate, remove $BulkTokens tokens through pipelines | $(Format-Stat $bulkModule) | the same requests, raw client: $(Format-Stat $bulkRaw) | $('{0:N2}' -f $bulkRatio)×: $(Format-Verdict ($bulkRatio -le 1.5)) | ≤ 1.5× raw |
| 5 | Emulator: ``GET /version``, raw client, ms per request | sequential $(Format-Stat $emulatorSequential $Calls) | 8 parallel workers: $('{0:N0}' -f $rps) requests/s | — | not the bottleneck |
| 6a | Access review, full matrix: ``Get-PveAccessReport -IncludeUnusable`` over $('{0:N0}' -f ($ReviewUsers * 2)) principals ($ReviewUsers users, $ReviewUsers tokens), $ReviewGroups groups, $ReviewAcl ACL entries | $(Format-Stat $matrix): $('{0:N0}' -f $matrixRows) rows, $matrixRequests requests; peak working set +$('{0:N1}' -f $reviewMemory.DeltaMB) MB | one ``GET /access/permissions?userid=…`` per principal ($('{0:N0}' -f $principals.Count) requests, no sources): raw client $(Format-Stat $perPrincipalRaw), ``Get-PvePermission`` per principal $(Format-Stat $perPrincipalModule) | $(Format-Speed $perPrincipalModule.Median $matrix.Median) the module loop: $(Format-Verdict ($matrixRequests -le 4 -and $matrix.Median -lt 3000)) | ≤ 4 requests, < 3 s |
| 6b | Access review, one privilege: ``Get-PveAccessReport -IncludeUnusable -Privilege Sys.Modify`` | $(Format-Stat $single): $('{0:N0}' -f $singleRows) rows, $singleRequests requests | the same per-principal loop as 6a | $(Format-Speed $perPrincipalModule.Median $single.Median) the module loop: $(Format-Verdict ($singleRequests -le 4 -and $single.Median -lt 500)) | ≤ 4 requests, < 0.5 s |

Notes:
- The raw client is a ``System.Net.Http.HttpClient`` with one ``SocketsHttpHandler`` (keep-alive), created once in the same pwsh process, sending the same requests with the same token.
- The emulator, like real PVE, closes the connection after protected calls (user listing, every token and ACL write), so bulk changes pay a TLS handshake per write for both the module and the raw client.
- Import: the first ``Import-Module`` of any module in a fresh pwsh also pays for PowerShell's own module machinery (parsing the manifest, the module cmdlets' first run); the empty-module figures separate that from what PveTokens itself costs (loading its assembly, reading its manifest and format file).
- Every timed measure has one untimed warm-up run before the timed ones.
- Inventory memory is the peak working set of a fresh pwsh during ``Get-PveApiToken`` minus its working set just before, after import and connect.
- Access review: the configuration is seeded (``New-ReviewSeedFile``): users in up to three groups, one token each (two in three privilege-separated), one user in twenty disabled, ACL entries 1% on ``/``, 4% on ``/vms`` and ``/storage``, the rest on single storages, nodes, pools and VMs, a quarter without propagation. Times include the three reads and writing every row to the pipeline; the evaluation alone (xunit ``PermissionEvaluatorScaleTests``, a denser configuration) takes well under a second. The per-principal loop returns PVE's privileges only, without the entries behind them. Memory is the peak working set of a fresh pwsh during the full report minus its working set just before.
"@

$report = $report.TrimEnd() + [Environment]::NewLine + [Environment]::NewLine + @"
## Access policy (issue 15)

Measured by ``bench/Invoke-AccessPolicyBenchmark.ps1``, which this harness runs. The emulator is seeded with $($policy.Users) users, $('{0:N0}' -f $policy.Tokens) tokens, $($policy.Groups) groups, $($policy.Roles) custom roles and $('{0:N0}' -f $policy.Acl) ACL
entries; the policy is ``Export-PveAccessPolicy``'s output for it. Requests are counted from the
module's per-call verbose records.

| Measure | PveTokens | Comparison | Result | Target |
|---|---|---|---|---|
| ``Get-PveAccessPlan`` on the exported policy (no change) | $($policy.PlanRequests) requests; median $(Format-Ms $policy.PlanMedianMs) ms ($(Format-Ms $policy.PlanMinMs)–$(Format-Ms $policy.PlanMaxMs)), $($policy.Runs) runs (the reads of users and ACL $(Format-Ms $policy.UsersReadMs) and $(Format-Ms $policy.AclReadMs) ms, parsing the ``.psd1`` $(Format-Ms $policy.ParseMs) ms) | the planner alone, in-process, 200 users × 5 tokens and 1,000 ACL entries: well under 1 s (``PolicyPlannerTests.A_large_configuration_plans_in_well_under_a_second``) | $(Format-Verdict ($policy.PlanMedianMs -lt 1000 -and $policy.PlanRequests -le 5)) | < 1 s, ≤ 5 requests |
| ``Invoke-PveAccessPolicy``, 10 % change set ($($policy.ChangeSetRows) plan rows) | $($policy.ApplyRequests) requests | hand-written minimal script: $($policy.MinimalRequests) writes, no reads | $('{0:N2}' -f $policy.Ratio)×: $(Format-Verdict ($policy.Ratio -le 1.5)) | ≤ 1.5× |

After the apply, ``Get-PveAccessPlan`` lists $(if ($policy.RowsLeftAfter -eq 0) { 'no change' } else { "$($policy.RowsLeftAfter) changes (**expected none**)" }).
"@

if ($OutputPath) {
    Set-Content -Path $OutputPath -Value $report -Encoding utf8
    Write-Host "Wrote $OutputPath"
}
else {
    Write-Host $report
}
$results
