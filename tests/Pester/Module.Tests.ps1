BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'The staged module' {
    It 'exports exactly the cmdlets its manifest lists' {
        $manifest = Import-PowerShellDataFile (Join-Path $script:ModulePath 'PveTokens.psd1')
        $cmdlets = (Get-Command -Module PveTokens -CommandType Cmdlet).Name | Sort-Object
        $cmdlets | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'ships the System.Text.Json closure in dependencies/ and nothing of PowerShell itself' {
        $deps = (Get-ChildItem (Join-Path $script:ModulePath 'dependencies') -Filter *.dll).Name
        $deps | Should -Contain 'System.Text.Json.dll'
        $deps | Should -Contain 'System.Text.Encodings.Web.dll'
        $deps | Should -Contain 'Microsoft.Bcl.AsyncInterfaces.dll'
        (Get-ChildItem $script:ModulePath -Recurse -Filter 'System.Management.Automation.dll') | Should -BeNullOrEmpty
    }
}

Describe 'The emulator process' {
    It 'prints one LISTENING line with a loopback HTTPS URL and a SHA-256 fingerprint' {
        $emulator = Start-PveEmulator
        try {
            $emulator.Url | Should -Match '^https://127\.0\.0\.1:\d+/?$'
            $emulator.Thumbprint | Should -Match '^[0-9A-F]{64}$'
        }
        finally {
            Stop-PveEmulator $emulator
        }
    }
}
