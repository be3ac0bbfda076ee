# The package that 'build.ps1 -Task Package' makes (build/New-ModulePackage.ps1): PSResourceGet
# installs it from a local file repository, offline, and the installed module works in a fresh
# PowerShell against the emulator. Nothing global is left behind and nothing lands in the checkout:
# every child process runs with a temporary home (HOME and XDG_DATA_HOME, XDG_CONFIG_HOME,
# XDG_CACHE_HOME, all existing folders under TestDrive) and with TestDrive as its working directory,
# and the repositories are unregistered there too. (.NET answers '' for LocalApplicationData when
# XDG_DATA_HOME names a missing folder, and PSResourceGet then writes
# PSResourceGet/PSResourceRepository.xml into the working directory.)

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # The temporary home of every child pwsh; the folders exist (see the top of the file).
    $script:ChildHome = Join-Path $TestDrive 'home'
    $script:Isolated = @{
        HOME            = $script:ChildHome
        XDG_DATA_HOME   = Join-Path $script:ChildHome '.local/share'
        XDG_CONFIG_HOME = Join-Path $script:ChildHome '.config'
        XDG_CACHE_HOME  = Join-Path $script:ChildHome '.cache'
    }
    foreach ($folder in $script:Isolated.Values) { New-Item -ItemType Directory -Path $folder -Force | Out-Null }

    function Invoke-ChildPwsh {
        # Runs a script in a fresh pwsh (under 'dotnet pwsh' the process is the dotnet host) with the
        # temporary home and TestDrive as its working directory, and returns its output lines;
        # throws with the output when it fails.
        param([Parameter(Mandatory)] [string] $Script)
        $file = Join-Path $TestDrive ("child-{0}.ps1" -f [guid]::NewGuid().ToString('N'))
        Set-Content -Path $file -Value $Script
        $shell = (Get-Process -Id $PID).Path
        $prefix = @()
        if ([IO.Path]::GetFileNameWithoutExtension($shell) -eq 'dotnet') { $prefix = @(Join-Path $PSHOME 'pwsh.dll') }
        $saved = @{}
        foreach ($name in $script:Isolated.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $script:Isolated[$name])
        }
        # PowerShell starts a native command in its current location: TestDrive, not the checkout.
        Push-Location -LiteralPath $TestDrive
        try {
            $output = & $shell @prefix -NoProfile -NonInteractive -File $file 2>&1 | ForEach-Object { "$_" }
            if ($LASTEXITCODE -ne 0) { throw "The child pwsh failed (exit code $LASTEXITCODE):`n$($output -join "`n")" }
            $output
        }
        finally {
            Pop-Location
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
    }

    $script:PackageDir = Join-Path $TestDrive 'package'
    $packScript = Join-Path $script:RepoRoot 'build/New-ModulePackage.ps1'
    $null = Invoke-ChildPwsh -Script "& '$packScript' -ModulePath '$($script:ModulePath)' -OutputPath '$($script:PackageDir)' | Out-Null"
    $script:Package = Get-ChildItem $script:PackageDir -Filter 'PveTokens.*.nupkg'
    $script:Version = (Import-PowerShellDataFile (Join-Path $script:ModulePath 'PveTokens.psd1')).ModuleVersion
}

Describe 'build/New-ModulePackage.ps1' {
    It 'writes PveTokens.<version>.nupkg with the staged module at its root' {
        $script:Package | Should -HaveCount 1
        $script:Package.Name | Should -Be "PveTokens.$($script:Version).nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($script:Package.FullName)
        try { $entries = @($zip.Entries.FullName) } finally { $zip.Dispose() }
        foreach ($file in 'PveTokens.psd1', 'PveTokens.dll', 'PveTokens.Format.ps1xml', 'LICENSE', 'PveTokens.nuspec',
            'en-US/PveTokens.dll-Help.xml', 'en-US/about_PveTokens.help.txt', 'dependencies/System.Text.Json.dll') {
            $entries | Should -Contain $file
        }
    }

    It 'writes nothing into its working directory' {
        # The child ran in TestDrive: PSResourceGet's settings must have gone to the script's own
        # temporary home, not to ./PSResourceGet.
        Join-Path $TestDrive 'PSResourceGet' | Should -Not -Exist
        Join-Path $script:RepoRoot 'PSResourceGet' | Should -Not -Exist
    }

    It 'leaves no repository registered' {
        $names = Invoke-ChildPwsh -Script '(Get-PSResourceRepository).Name'
        $names | Should -Not -Match '^PveTokensPack'
    }
}

Describe 'Installing the package with PSResourceGet' {
    BeforeAll {
        $script:Installed = Join-Path $TestDrive 'modules'
        New-Item -ItemType Directory -Path $script:Installed | Out-Null
        $save = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name PveTokensTest -Uri '$($script:PackageDir)' -Trusted
try {
    Find-PSResource -Name PveTokens -Repository PveTokensTest | ForEach-Object { 'found ' + `$_.Version }
    Save-PSResource -Name PveTokens -Repository PveTokensTest -Path '$($script:Installed)' -TrustRepository -SkipDependencyCheck
}
finally {
    Unregister-PSResourceRepository -Name PveTokensTest
}
"@
        $script:SaveOutput = Invoke-ChildPwsh -Script $save
        $script:Emulator = Start-PveEmulator -SeedFile $script:ExampleSeedFile
    }

    AfterAll {
        if ($script:Emulator) { Stop-PveEmulator $script:Emulator }
    }

    It 'finds and saves it from a local file repository' {
        $script:SaveOutput | Should -Contain "found $($script:Version)"
        Join-Path $script:Installed "PveTokens/$($script:Version)/PveTokens.psd1" | Should -Exist
    }

    It 'imports it from there in a fresh pwsh and runs it against the emulator' {
        $run = @"
`$ErrorActionPreference = 'Stop'
`$env:PSModulePath = '$($script:Installed)' + [IO.Path]::PathSeparator + `$env:PSModulePath
Import-Module PveTokens
(Get-Module PveTokens).ModuleBase
`$credential = New-Object System.Management.Automation.PSCredential 'root@pam', (ConvertTo-SecureString '$($script:Emulator.RootPassword)' -AsPlainText -Force)
`$null = Connect-PveServer -Server '$($script:Emulator.Url)' -Credential `$credential -CertificateThumbprint '$($script:Emulator.Thumbprint)'
Get-PveApiToken | ForEach-Object FullTokenId
(Get-Help Get-PveApiToken).Synopsis
"@
        $output = Invoke-ChildPwsh -Script $run
        $output[0] | Should -BeLike (Join-Path $script:Installed 'PveTokens*')
        $output | Should -Contain 'ci@pve!backup'
        $output | Should -Contain 'alice@pve!old'
        $output[-1] | Should -Not -BeLike 'Get-PveApiToken*'
    }
}
