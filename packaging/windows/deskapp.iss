; Inno Setup 6 script: a per-user or all-users installer for the one-folder Windows build.
;
; packaging\build.py runs it when iscc.exe (Inno Setup 6) is on PATH or in its default folder:
;   .venv\Scripts\python packaging\build.py
; or by hand, after a build:
;   iscc /DAppVersion=0.1.0 packaging\windows\deskapp.iss
; Output: packaging\dist\deskapp-VERSION-windows-setup.exe
;
; Not built or tested here (the project's machines run Linux); see packaging/README.md.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef DistDir
  #define DistDir "..\dist\deskapp"
#endif
#ifndef IconFile
  #define IconFile "..\build\icons\deskapp.ico"
#endif

[Setup]
AppId={{5C0F3B9E-7A31-4C8E-9E0B-2D4B7F1A6C2D}
AppName=deskapp
AppVersion={#AppVersion}
AppVerName=deskapp {#AppVersion}
AppPublisher=deskapp
DefaultDirName={autopf}\deskapp
DefaultGroupName=deskapp
DisableProgramGroupPage=yes
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\dist
OutputBaseFilename=deskapp-{#AppVersion}-windows-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\deskapp.exe
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
ChangesEnvironment=no

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole one-folder app: deskapp.exe (windowed), deskapp-cli.exe (console) and _internal\.
Source: "{#DistDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundled Python and Qt files instead of mixing two versions.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\deskapp"; Filename: "{app}\deskapp.exe"; Comment: "Cross-asset risk-off desk"
Name: "{autodesktop}\deskapp"; Filename: "{app}\deskapp.exe"; Tasks: desktopicon

[Run]
Filename: "{app}\deskapp.exe"; Description: "{cm:LaunchProgram,deskapp}"; Flags: nowait postinstall skipifsilent
