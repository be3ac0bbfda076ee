#Requires -Version 5.1
<#
.SYNOPSIS
    Packs the staged module (out/PveTokens) into a .nupkg that Install-PSResource and
    Save-PSResource accept, with PSResourceGet's own Publish-PSResource.

.DESCRIPTION
    Publish-PSResource only publishes to a repository, so this registers a temporary file
    repository, publishes into it and copies the package to -OutputPath. Nothing global is left
    behind: on Linux and macOS PSResourceGet's settings (the repository list) go to a temporary
    home (HOME and XDG_DATA_HOME, XDG_CONFIG_HOME, XDG_CACHE_HOME, all existing folders) for the
    duration, and the process's working directory is the temporary folder, so nothing can land in
    the checkout either; everywhere the temporary repository is unregistered and its folder removed
    in 'finally', and the environment is restored.

    Why the folders must exist: .NET's Environment.GetFolderPath(LocalApplicationData) returns an
    empty string when the folder XDG_DATA_HOME names does not exist, and PSResourceGet then writes
    PSResourceGet/PSResourceRepository.xml relative to the process's working directory.

    Needs Microsoft.PowerShell.PSResourceGet (bundled with PowerShell 7.4+; on Windows PowerShell
    5.1 install it first). Works offline.

.OUTPUTS
    System.IO.FileInfo: the .nupkg.

.EXAMPLE
    ./build/New-ModulePackage.ps1 -ModulePath ./out/PveTokens -OutputPath ./out
#>
[CmdletBinding()]
[OutputType([System.IO.FileInfo])]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

if (-not (Get-Module -ListAvailable Microsoft.PowerShell.PSResourceGet)) {
    throw 'Packaging needs Microsoft.PowerShell.PSResourceGet (bundled with PowerShell 7.4+). Run the build with pwsh, or Install-Module Microsoft.PowerShell.PSResourceGet.'
}
Import-Module Microsoft.PowerShell.PSResourceGet

$ModulePath = (Resolve-Path $ModulePath).Path
$manifest = Import-PowerShellDataFile (Join-Path $ModulePath 'PveTokens.psd1')
$work = Join-Path ([IO.Path]::GetTempPath()) ('pvetokens-pack-' + [guid]::NewGuid().ToString('N'))
$repositoryPath = Join-Path $work 'repository'
$repositoryName = 'PveTokensPack' + [guid]::NewGuid().ToString('N').Substring(0, 8)
New-Item -ItemType Directory -Path $repositoryPath -Force | Out-Null
$isWindowsHost = [Environment]::OSVersion.Platform -eq [PlatformID]::Win32NT
$homeVariables = 'HOME', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'XDG_CACHE_HOME'
$savedEnvironment = @{}
foreach ($name in $homeVariables) { $savedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
$savedDirectory = [Environment]::CurrentDirectory
$registered = $false
try {
    # Relative paths that .NET code resolves (not PowerShell's location) go to the temporary folder.
    [Environment]::CurrentDirectory = $work
    if (-not $isWindowsHost) {
        # PSResourceGet keeps its repository list under LocalApplicationData, which .NET takes from
        # XDG_DATA_HOME (else HOME/.local/share) outside Windows: a temporary home keeps the user's
        # list untouched. The folders must exist, or .NET answers '' and the list lands in the
        # working directory.
        $tempHome = Join-Path $work 'home'
        $folders = @{
            HOME            = $tempHome
            XDG_DATA_HOME   = Join-Path $tempHome '.local/share'
            XDG_CONFIG_HOME = Join-Path $tempHome '.config'
            XDG_CACHE_HOME  = Join-Path $tempHome '.cache'
        }
        foreach ($name in $homeVariables) {
            New-Item -ItemType Directory -Path $folders[$name] -Force | Out-Null
            [Environment]::SetEnvironmentVariable($name, $folders[$name])
        }
    }
    Register-PSResourceRepository -Name $repositoryName -Uri $repositoryPath -Trusted
    $registered = $true
    Publish-PSResource -Path $ModulePath -Repository $repositoryName -SkipDependenciesCheck
    $package = Get-ChildItem $repositoryPath -Filter ("PveTokens.{0}.nupkg" -f $manifest.ModuleVersion)
    if (-not $package) { throw "Publish-PSResource wrote no PveTokens.$($manifest.ModuleVersion).nupkg to $repositoryPath." }
    New-Item -ItemType Directory -Path $OutputPath -Force | Out-Null
    $target = Join-Path (Resolve-Path $OutputPath).Path $package.Name
    Copy-Item $package.FullName $target -Force
    Get-Item $target
}
finally {
    if ($registered) { Unregister-PSResourceRepository -Name $repositoryName -ErrorAction SilentlyContinue }
    if (-not $isWindowsHost) {
        foreach ($name in $homeVariables) { [Environment]::SetEnvironmentVariable($name, $savedEnvironment[$name]) }
    }
    [Environment]::CurrentDirectory = $savedDirectory
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}
